"""The report's screening-agreement section: the rules against a human screener (PRISMA 2020 item 8)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spinereview.report.html import esc, num, table
from spinereview.screening.review import LISTED_AWAITING, LISTED_SAMPLE, contingency_rows


def _kappa_line(stats: Mapping[str, Any]) -> str:
    if stats["kappa"] is None:
        return f"kappa undefined ({esc(stats['undefined'])})"
    if stats["se"] is None:
        return (
            f"κ = {num(stats['kappa'])}, observed agreement "
            f"{num(100 * stats['observed_agreement'], 0)} %, n = {stats['n']} ({esc(stats['note'])})"
        )
    return (
        f"κ = {num(stats['kappa'])} (95 % CI {num(stats['ci_low'])} to {num(stats['ci_high'])}; "
        f"SE {num(stats['se'], 3)}), observed agreement {num(100 * stats['observed_agreement'], 0)} %, "
        f"n = {stats['n']}"
    )


def _table(stats: Mapping[str, Any], caption: str) -> str:
    rows = contingency_rows(stats)
    cols = [c for c in rows[0] if c != "rules"]
    return f'<p class="note">{esc(caption)}</p>' + table(
        rows,
        [("rules \\ reviewer", "rules"), *[(c, c) for c in cols]],
        numeric=list(cols),
    )


def agreement_section(config: Mapping[str, Any], agreement_json: Path) -> str:
    """Selection process: how records were screened, and Cohen's kappa once a reviewer has screened."""
    agreement = json.loads(agreement_json.read_text(encoding="utf-8"))
    settings = config["screening"]["human_review"]
    listed = agreement["listed_in_to_review"]
    n_listed = sum(listed.values())
    intro = (
        "<p><strong>Selection process (PRISMA 2020 item 8).</strong> Every record was screened by "
        "coded rules from the protocol (<code>config/config.yaml</code>, section "
        "<code>screening</code>); a record the rules cannot decide is held as awaiting "
        "classification, never excluded. To measure how far the rules agree with a human "
        "screener, <code>results/screening/to_review.csv</code> lists every record awaiting "
        f"classification ({listed[LISTED_AWAITING]}) and a random sample of "
        f"{listed[LISTED_SAMPLE]} of the exclusions made from the record's "
        f"text alone (up to {esc(settings['sample_excluded'])}, seed {esc(settings['seed'])}); "
        f"a reviewer fills in <code>{esc(agreement['sheet'])}</code>. The sheet measures agreement "
        "only: it changes no decision (reviewer decisions are applied through "
        "<code>data/screening/overrides.csv</code>).</p>"
    )
    if agreement["status"] != "reviewed":
        return intro + (
            f'<p class="warn">Not yet reviewed by a human screener: {esc(agreement["message"])}. '
            f"{n_listed} record(s) are listed for review.</p>"
        )
    binary, three = agreement["binary"], agreement["three_way"]
    reviewers = ", ".join(f"{esc(name)} ({n})" for name, n in agreement["reviewers"].items())
    body = (
        f"<p>{agreement['reviewed']} record(s) reviewed by {reviewers}; "
        f"{agreement['pending']} listed but not yet reviewed.</p>"
        f"<p><strong>Agreement (rules include or hold vs exclude): {_kappa_line(binary)}.</strong> "
        f"Counting a held record as a disagreement (rules include / awaiting / exclude): "
        f"{_kappa_line(three)}.</p>"
        + _table(binary, "Rules (rows) against the reviewer (columns): records kept or excluded")
        + _table(three, "The rules' three outcomes against the reviewer's decision")
    )
    missed = agreement["missed_by_rules"]
    if missed:
        body += (
            f'<p class="warn">{len(missed)} record(s) the rules exclude but the reviewer includes '
            "(eligible trials the rules would lose):</p>"
            + table(
                missed,
                [
                    ("record", "record_id"),
                    ("rules", "rules_reason"),
                    ("reviewer", "reviewer"),
                    ("reviewer's reason", "reviewer_reason"),
                ],
            )
        )
    notes = []
    if agreement["not_applied"]:
        notes.append(
            f"{len(agreement['not_applied'])} reviewed record(s) have a final decision that differs "
            "from the reviewer's (including records still awaiting classification); add them to "
            "data/screening/overrides.csv to apply the reviewer's decision"
        )
    if agreement["rules_changed_since_sheet"]:
        notes.append(
            f"for {len(agreement['rules_changed_since_sheet'])} record(s) the rules now decide "
            "differently from what the sheet showed the reviewer"
        )
    notes.append(
        "the reviewed records are not a random sample of all records (all held records plus a "
        "sample of text-decided exclusions), and the sheet shows the rules' decision, so the "
        "reviewer was not blind to it; SE of kappa: Fleiss, Cohen & Everitt 1969 (Psychol Bull "
        "72:323-327), 95 % Wald interval"
    )
    return (
        intro + body + "".join(f'<p class="note">{esc(n[0].upper() + n[1:])}.</p>' for n in notes)
    )
