"""The reference audit as files: audit.json (machine-readable) and audit.md (for people)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spinereview.citations.article import VERDICTS
from spinereview.citations.audit import AuditResult, Check
from spinereview.citations.vancouver import escape_markdown
from spinereview.io import write_json_atomic, write_text_atomic


def _check(check: Check) -> dict[str, str]:
    return {"code": check.code, "severity": check.severity, "message": check.message}


def result_json(result: AuditResult, notes: Sequence[str] = ()) -> dict[str, Any]:
    """One reference: ``reasons`` are the messages of the checks that set the verdict (every
    check that is not 'info'); ``checks`` are all checks; ``context`` never changes the verdict;
    ``list_notes`` are the working notes that the article's clean reference list leaves out."""
    return {
        "list_notes": list(notes),
        "id": result.id,
        "cited_as": result.cited_as,
        "claim": result.claim,
        "verdict": result.verdict,
        "expected_verdict": result.expected_verdict,
        "agrees_with_expected": (
            None if result.expected_verdict is None else result.verdict == result.expected_verdict
        ),
        "resolved": dict(result.resolved),
        "reasons": [c.message for c in result.checks if c.severity != "info"],
        "checks": [_check(c) for c in result.checks],
        "context": [_check(c) for c in result.context],
    }


def audit_json(
    results: Sequence[AuditResult], mode: str, notes: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    notes = notes or {}
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    return {
        "mode": mode,
        "rules": "spinereview.citations.audit (verdict = most severe check: blocking -> "
        "unresolved, major -> mismatch, minor -> partial, none -> match)",
        "summary": counts,
        "references": [result_json(r, notes.get(r.id, ())) for r in results],
    }


def _md_list(checks: Sequence[Check], label: bool = True) -> list[str]:
    return [
        f"- {f'**{c.severity}** ' if label else ''}{escape_markdown(c.message)}" for c in checks
    ]


def audit_markdown(
    results: Sequence[AuditResult], mode: str, notes: Mapping[str, Sequence[str]] | None = None
) -> str:
    """A table of verdicts, then per reference every check, the context and the working notes
    that the article's reference list (article.de.md ...) does not print."""
    notes = notes or {}
    lines = [
        "# Audit of the article's references",
        "",
        f"Mode: {mode}. Verdicts are computed from the checks below (blocking -> unresolved, "
        "major -> mismatch, minor -> partial, none -> match).",
        "",
        "| # | reference | cited as | verdict | expected |",
        "|---|---|---|---|---|",
    ]
    for number, r in enumerate(results, start=1):
        cells = [str(number), r.id, r.cited_as, r.verdict, r.expected_verdict or ""]
        lines.append("| " + " | ".join(escape_markdown(c) for c in cells) + " |")
    for r in results:
        lines += [
            "",
            f"## {escape_markdown(r.id)}: {r.verdict}",
            "",
            f"Cited as: {escape_markdown(r.cited_as)}",
            "",
            f"Claim: {escape_markdown(r.claim)}",
            "",
            "Checks:",
            "",
            *_md_list(r.checks),
        ]
        if r.context:
            lines += ["", "Context (not part of the verdict):", "", *_md_list(r.context, False)]
        if notes.get(r.id):
            lines += ["", "Notes (not printed in the article's reference list):", ""]
            lines += [f"- {escape_markdown(note)}" for note in notes[r.id]]
    return "\n".join(lines) + "\n"


def write_audit(
    results: Sequence[AuditResult],
    out_json: Path,
    out_md: Path,
    mode: str,
    notes: Mapping[str, Sequence[str]] | None = None,
) -> None:
    write_json_atomic(out_json, audit_json(results, mode, notes))
    write_text_atomic(out_md, audit_markdown(results, mode, notes))
