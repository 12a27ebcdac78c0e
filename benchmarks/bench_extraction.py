"""Benchmark: precision and recall of automatic extraction on the labelled corpus.

Run with `.venv/bin/python benchmarks/bench_extraction.py [--errors]`. Reads
tests/data/extraction_corpus.yaml, extracts candidates from every statement, and prints precision
and recall per kind, per group (effect statements, arm statistics) and overall. A match needs the
same kind, every value field equal (numbers within 1e-9) and the same value-span text
(`spinereview.extraction.candidates.score`). With --errors, unmatched items are listed too.
Writes nothing but stdout. The numbers are recorded in benchmarks/README_extraction.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from spinereview.extraction.candidates import (
    ALL_KINDS,
    ARM_KINDS,
    EFFECT_KINDS,
    extract_candidates,
    load_corpus,
    matches,
    precision_recall,
    score,
)
from spinereview.extraction.text_scoring import total

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "extraction_corpus.yaml"


def _row(name: str, counts) -> str:
    p, r = precision_recall(counts)
    return f"{name:<22}{counts.tp:>5}{counts.fp:>5}{counts.fn:>5}{p:>10.3f}{r:>8.3f}"


def _errors(item: dict, found: list) -> list[str]:
    text, out = item["text"], []
    unused = list(found)
    for exp in item["expect"]:
        hit = next((c for c in unused if matches(text, exp, c)), None)
        if hit is None:
            out.append(f"  {item['id']} MISSED {exp}")
        else:
            unused.remove(hit)
    for c in unused:
        values = {k: v for k, v in c.values().items() if v is not None}
        span = text[c.value_start : c.value_end]
        out.append(f"  {item['id']} EXTRA  {c.kind} {span!r} {values}")
    return out


def main(argv: list[str]) -> int:
    items = load_corpus(CORPUS)
    scored, errors = [], []
    for item in items:
        found = extract_candidates(item["text"])
        scored.append(score(item["text"], item["expect"], found))
        errors += _errors(item, found)
    with_effects = sum(any(e["kind"] == "effect" for e in i["expect"]) for i in items)
    print(
        f"corpus: {len(items)} statements, {with_effects} with effects, "
        f"{len(items) - with_effects} without"
    )
    print(f"{'kind':<22}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>10}{'recall':>8}")
    for kind in sorted(ALL_KINDS):
        print(_row(kind, total(scored, {kind})))
    print(_row("effect statements", total(scored, EFFECT_KINDS)))
    print(_row("arm statistics", total(scored, ARM_KINDS)))
    print(_row("overall", total(scored, ALL_KINDS)))
    holdout = [s for s, i in zip(scored, items, strict=True) if i.get("set") == "holdout"]
    print(f"held-out subset: {len(holdout)} statements")
    print(_row("  effect statements", total(holdout, EFFECT_KINDS)))
    print(_row("  arm statistics", total(holdout, ARM_KINDS)))
    print(_row("  overall", total(holdout, ALL_KINDS)))
    if "--errors" in argv:
        print("\n".join(errors) or "no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
