"""Benchmark: precision and recall of automatic extraction on a labelled YAML set.

Run with
`.venv/bin/python benchmarks/bench_extraction.py [--set corpus|dev|holdout|holdout2|PATH] [--errors]`.
`corpus` (the default) is tests/data/extraction_corpus.yaml; `dev`, `holdout` and `holdout2` are the
blind evaluation sets of issue 15 (tests/data/extraction_blind/). `holdout` (the first blind holdout)
was retired to tuning data after its three recorded runs; `holdout2` is the blind holdout now. Extracts candidates from every statement
and prints precision and recall per kind, per group and overall. Groups: **effect statements**
(kind `effect`: estimate + CI + measure), **arm statistics** (mean_sd, median_iqr, events), and `n`
and `percent` separately. A match needs the same kind, every value field equal (numbers within
1e-9) and the same value-span text (`spinereview.extraction.candidates.score`). With --errors,
unmatched items are listed too — refused for the blind holdout (`holdout2`), which is reported
only as aggregate tables. Writes nothing but stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from spinereview.extraction.candidates import (
    ALL_KINDS,
    extract_candidates,
    load_corpus,
    matches,
    precision_recall,
    score,
)
from spinereview.extraction.text_scoring import Counts, total

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = {
    "corpus": DATA / "extraction_corpus.yaml",
    "dev": DATA / "extraction_blind" / "dev.yaml",
    "holdout": DATA / "extraction_blind" / "holdout.yaml",  # retired: tuning data like dev
    "holdout2": DATA / "extraction_blind" / "holdout2.yaml",  # the blind holdout
}
# Sets whose per-item errors are never shown (only aggregate tables).
BLIND = ("holdout2",)
# The groups of issue 15: n and percent are reported apart from the arm statistics.
GROUPS: dict[str, frozenset[str]] = {
    "effect statements": frozenset({"effect"}),
    "arm statistics": frozenset({"mean_sd", "median_iqr", "events"}),
    "n": frozenset({"n"}),
    "percent": frozenset({"percent"}),
    "overall": frozenset(ALL_KINDS),
}


def resolve(name: str) -> Path:
    """The YAML file of a named set, or ``name`` read as a path."""
    return SETS.get(name, Path(name))


def score_items(items: Sequence[Mapping]) -> list[dict[str, Counts]]:
    """Per-item counts of the extractor's candidates against the labels."""
    return [score(i["text"], i["expect"], extract_candidates(i["text"])) for i in items]


def group_counts(scored: Sequence[Mapping[str, Counts]]) -> dict[str, Counts]:
    """Summed counts of every group in GROUPS."""
    return {name: total(scored, kinds) for name, kinds in GROUPS.items()}


def _row(name: str, counts: Counts) -> str:
    p, r = precision_recall(counts)
    return f"{name:<22}{counts.tp:>5}{counts.fp:>5}{counts.fn:>5}{p:>10.3f}{r:>8.3f}"


def _errors(item: Mapping, found: list) -> list[str]:
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
    name = argv[argv.index("--set") + 1] if "--set" in argv else "corpus"
    path = resolve(name)
    show_errors = "--errors" in argv
    if show_errors and any(path.resolve() == SETS[b].resolve() for b in BLIND):
        print("refused: the blind holdout is reported only as aggregate tables", file=sys.stderr)
        return 2
    items = load_corpus(path)
    scored = score_items(items)
    with_effects = sum(any(e["kind"] == "effect" for e in i["expect"]) for i in items)
    print(
        f"{name}: {len(items)} statements, {with_effects} with effects, "
        f"{len(items) - with_effects} without"
    )
    print(f"{'kind':<22}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>10}{'recall':>8}")
    for kind in sorted(ALL_KINDS):
        print(_row(kind, total(scored, {kind})))
    print("groups")
    for group, counts in group_counts(scored).items():
        print(_row(group, counts))
    held = [s for s, i in zip(scored, items, strict=True) if i.get("set") == "holdout"]
    if held:
        print(f"held-out subset: {len(held)} statements")
        for group, counts in group_counts(held).items():
            print(_row(f"  {group}", counts))
    if show_errors:
        errors = [e for i in items for e in _errors(i, extract_candidates(i["text"]))]
        print("\n".join(errors) or "no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
