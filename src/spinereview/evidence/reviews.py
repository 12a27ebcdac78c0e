"""Published reviews as a validated, harmonised evidence layer (results/reviews/estimates.csv).

The reviews' numbers stay in ``data/evidence/reviews_pooled.csv`` (immutable, each row with its
source). ``data/extraction/review_mapping.csv`` holds one curated judgement per evidence row: which
screening classes, outcome, scale and time window of this review the result maps to, how well the
window fits, and the certainty as the review reported it. This module checks both files against each
other and the protocol, and harmonises every estimate to this review's scale and sign:

* points scales are 0-100 (``factor`` 10 for a VAS in cm), negative favours the injection (the
  evidence file already states every difference as injection minus control);
* SMDs stay SMDs and ratios are kept on the log scale: neither is ever drawn on a points axis;
* a row whose evidence note says NOT VERIFIED or UNCERTAIN is kept out of figures, with the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinereview.errors import InputError
from spinereview.extraction.sheet import number_cell
from spinereview.io import read_table
from spinereview.schemas import validate_rows

EVIDENCE_COLUMNS = (
    "review_id",
    "pmid",
    "doi",
    "comparison",
    "outcome",
    "instrument",
    "timepoint",
    "k_studies",
    "n_participants",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "i2",
    "source_url",
    "locator",
    "note",
)
MAPPING_COLUMNS = (
    "review_row",
    "evidence_row",
    "kind",
    "label_en",
    "label_de",
    "interventions",
    "drug",
    "comparator",
    "population",
    "outcome",
    "scale",
    "factor",
    "window",
    "window_fit",
    "certainty",
    "certainty_system",
    "mapping_note",
)
ESTIMATE_COLUMNS = (
    "review_row",
    "evidence_row",
    "review_id",
    "pmid",
    "doi",
    "label_en",
    "label_de",
    "kind",
    "article_class",
    "interventions",
    "drug",
    "comparator",
    "population",
    "outcome",
    "measure",
    "scale",
    "k",
    "n",
    "estimate",
    "ci_low",
    "ci_high",
    "reported_estimate",
    "reported_ci_low",
    "reported_ci_high",
    "reported_instrument",
    "conversion",
    "review_window",
    "window",
    "window_fit",
    "window_flag",
    "certainty",
    "certainty_system",
    "status",
    "status_reason",
    "in_figure",
    "figure_reason",
    "mapping_note",
    "source_url",
    "locator",
)
#: Scales drawn on the article's points axis (pain difference, 0-100).
POINTS_SCALES = ("pain_0_100", "disability_0_100")
#: Measures of the evidence file that are differences on a points scale.
DIFFERENCES = ("MD", "WMD", "WMD (NMA)")
#: Drugs that make a steroid injection (the article's subject).
STEROID_DRUGS = ("steroid", "local_anaesthetic_steroid")
FIGURE_OUTCOMES = ("leg_pain", "back_pain", "pain_overall")
FLAGS = (("NOT VERIFIED", "not_verified"), ("UNCERTAIN", "uncertain"))


@dataclass(frozen=True)
class Protocol:
    """What the mapping may refer to: the protocol's classes, windows and the article's classes."""

    interventions: frozenset[str]
    comparators: frozenset[str]
    populations: frozenset[str]
    windows: tuple[str, ...]
    article_classes: tuple[tuple[str, frozenset[str]], ...]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Protocol:
        screening = config["screening"]

        def ids(block: str) -> frozenset[str]:
            return frozenset(c["id"] for c in screening[block]["classes"])

        article = config["figures"].get("article", {}).get("classes", [])
        return cls(
            interventions=ids("intervention"),
            comparators=ids("comparator"),
            populations=ids("population"),
            windows=tuple(w["id"] for w in config["extraction"]["windows"]),
            article_classes=tuple((c["id"], frozenset(c["interventions"])) for c in article),
        )

    def article_class(self, interventions: Sequence[str]) -> str:
        """The first article class sharing an intervention class with the row ('' = none)."""
        wanted = set(interventions)
        return next((cid for cid, members in self.article_classes if members & wanted), "")


def evidence_status(note: str) -> tuple[str, str]:
    """(status, reason) from the evidence note: not_verified, uncertain or verified.

    The reason is the note's sentence that carries the flag (the collector's words, not a paper's).
    """
    for marker, status in FLAGS:
        if marker in note:
            sentences = re.split(r"(?<=\.)\s+", note)
            reason = next((s for s in sentences if marker in s), note)
            return status, " ".join(reason.split())
    return "verified", ""


def _check_mapping_row(
    path: Path, number: int, row: Mapping[str, str], protocol: Protocol, evidence_rows: int
) -> None:
    def fail(field: str, message: str) -> InputError:
        return InputError(path, message, row=number, field=field)

    if int(row["evidence_row"]) > evidence_rows:
        raise fail(
            "evidence_row",
            f"evidence row {row['evidence_row']} does not exist "
            f"(reviews_pooled.csv has {evidence_rows} rows)",
        )
    for name in filter(None, row["interventions"].split("|")):
        if name not in protocol.interventions:
            raise fail("interventions", f"unknown intervention class {name!r}")
    for field, known in (
        ("comparator", protocol.comparators),
        ("population", protocol.populations),
    ):
        if row[field] and row[field] not in known:
            raise fail(field, f"unknown {field} class {row[field]!r}")
    if row["window"] and row["window"] not in protocol.windows:
        raise fail(
            "window", f"unknown window {row['window']!r}; one of {', '.join(protocol.windows)}"
        )
    if row["window"] and row["window_fit"] not in ("exact", "approximate"):
        raise fail("window_fit", "a mapped window needs window_fit exact or approximate")
    if not row["window"] and row["window_fit"] in ("exact", "approximate"):
        raise fail("window", f"window_fit {row['window_fit']} needs a window")
    if row["kind"] == "estimate":
        for field in ("outcome", "window_fit", "certainty", "certainty_system"):
            if not row[field]:
                raise fail(field, f"an estimate needs {field}")
    if row["scale"] in POINTS_SCALES and not row["factor"]:
        raise fail("factor", f"scale {row['scale']} needs a factor to the 0-100 scale")


def load_mapping(path: str | Path, protocol: Protocol, evidence_rows: int) -> list[dict[str, str]]:
    """Read and check the mapping; every evidence row must be mapped exactly once."""
    path = Path(path)
    rows = read_table(path, MAPPING_COLUMNS)
    seen_ids: set[str] = set()
    mapped: dict[int, int] = {}
    for number, row in enumerate(rows, start=1):
        validate_rows([row], "review_mapping.schema.yaml", source=path, id_field="review_row",
                      start=number)  # fmt: skip
        if row["review_row"] in seen_ids:
            raise InputError(
                path, f"duplicate review row {row['review_row']}", row=number, field="review_row"
            )
        seen_ids.add(row["review_row"])
        evidence_row = int(row["evidence_row"])
        if evidence_row in mapped:
            raise InputError(
                path,
                f"evidence row {evidence_row} is mapped twice (also in row {mapped[evidence_row]})",
                row=number,
                field="evidence_row",
            )
        mapped[evidence_row] = number
        _check_mapping_row(path, number, row, protocol, evidence_rows)
    missing = sorted(set(range(1, evidence_rows + 1)) - set(mapped))
    if missing:
        raise InputError(
            path,
            f"evidence row(s) {', '.join(map(str, missing))} of reviews_pooled.csv are not mapped",
            field="evidence_row",
        )
    return rows


def _figure_reason(out: Mapping[str, Any]) -> str:
    """Why a row is not drawn on the article figure ('' = drawn)."""
    if out["kind"] != "estimate":
        return f"not an estimate ({out['kind']})"
    if out["status"] != "verified":
        return f"{out['status'].replace('_', ' ')}: {out['status_reason']}"
    if out["estimate"] is None:
        return "no estimate"
    if out["scale"] == "smd":
        return "SMD: not drawn on a points axis"
    if out["scale"] not in ("pain_0_100",):
        return f"scale {out['scale'] or 'none'} is not the pain scale of the figure"
    if out["outcome"] not in FIGURE_OUTCOMES:
        return f"outcome {out['outcome']} is not pain"
    if not out["article_class"]:
        return "intervention is none of the article's injection classes"
    if out["drug"] not in STEROID_DRUGS:
        return f"no steroid injected ({out['drug'].replace('_', ' ')}); the figure shows steroid injections"
    if not out["window"]:
        return "the review's follow-up maps to no window of this review"
    return ""


def harmonise(
    evidence_path: str | Path, mapping_path: str | Path, protocol: Protocol
) -> list[dict[str, Any]]:
    """One output row per evidence row, in evidence order (see module docstring)."""
    evidence_path = Path(evidence_path)
    evidence = read_table(evidence_path, EVIDENCE_COLUMNS)
    mapping = load_mapping(mapping_path, protocol, len(evidence))
    by_row = {int(m["evidence_row"]): m for m in mapping}
    out_rows = []
    for number, ev in enumerate(evidence, start=1):
        m = by_row[number]
        values = {
            f: number_cell(evidence_path, number, f, ev[f])
            for f in ("k_studies", "n_participants", "estimate", "ci_low", "ci_high")
        }
        status, reason = evidence_status(ev["note"])
        estimate, low, high, conversion = _convert(evidence_path, number, ev, m, values)
        interventions = [i for i in m["interventions"].split("|") if i]
        out = {
            "review_row": m["review_row"],
            "evidence_row": number,
            "review_id": ev["review_id"],
            "pmid": ev["pmid"],
            "doi": ev["doi"],
            "label_en": m["label_en"],
            "label_de": m["label_de"],
            "kind": m["kind"],
            "article_class": protocol.article_class(interventions),
            "interventions": "|".join(interventions),
            "drug": m["drug"],
            "comparator": m["comparator"],
            "population": m["population"],
            "outcome": m["outcome"],
            "measure": ev["measure"],
            "scale": m["scale"],
            "k": _int(values["k_studies"]),
            "n": _int(values["n_participants"]),
            "estimate": estimate,
            "ci_low": low,
            "ci_high": high,
            "reported_estimate": values["estimate"],
            "reported_ci_low": values["ci_low"],
            "reported_ci_high": values["ci_high"],
            "reported_instrument": ev["instrument"],
            "conversion": conversion,
            "review_window": ev["timepoint"],
            "window": m["window"],
            "window_fit": m["window_fit"],
            "window_flag": m["window_fit"] != "exact" and m["kind"] == "estimate",
            "certainty": m["certainty"],
            "certainty_system": m["certainty_system"],
            "status": status,
            "status_reason": reason,
            "mapping_note": m["mapping_note"],
            "source_url": ev["source_url"],
            "locator": ev["locator"],
        }
        out["figure_reason"] = _figure_reason(out)
        out["in_figure"] = not out["figure_reason"]
        out_rows.append(out)
    return out_rows


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _convert(
    path: Path,
    number: int,
    ev: Mapping[str, str],
    m: Mapping[str, str],
    values: Mapping[str, float | None],
) -> tuple[float | None, float | None, float | None, str]:
    """The estimate and CI on this review's scale, and the steps taken (text)."""
    est, low, high = values["estimate"], values["ci_low"], values["ci_high"]
    if m["kind"] != "estimate" or est is None:
        return None, None, None, ""
    scale = m["scale"]
    if scale in POINTS_SCALES:
        if ev["measure"] not in DIFFERENCES:
            raise InputError(
                path, f"measure {ev['measure']!r} is not a difference on a points scale",
                row=number, field="measure",
            )  # fmt: skip
        factor = float(m["factor"])
        steps = ["injection minus control as in the evidence file (negative favours injection)"]
        if factor != 1:
            steps.insert(0, f"x {factor:g} to the 0-100 scale ({ev['instrument']})")
        return _scaled(est, factor), _scaled(low, factor), _scaled(high, factor), "; ".join(steps)
    if scale == "smd":
        return est, low, high, "SMD kept as reported (never drawn on a points axis)"
    if scale == "log_rr":
        if any(v is not None and v <= 0 for v in (est, low, high)):
            raise InputError(path, "a ratio must be positive", row=number, field="estimate")
        logs = tuple(math.log(v) if v is not None else None for v in (est, low, high))
        return logs[0], logs[1], logs[2], "natural log of the ratio"
    raise InputError(path, f"estimate without a scale (mapping row {m['review_row']})",
                     row=number, field="estimate")  # fmt: skip


def _scaled(value: float | None, factor: float) -> float | None:
    # Round away binary noise of the product (0.83 x 10 = 8.299999…): reported values have at most
    # 4 decimals, so 10 significant digits keep every one of them.
    return None if value is None else float(f"{value * factor:.10g}")
