"""Benchmark: the screening rules on a labelled evaluation set, as in live mode (nothing curated).

Run with `.venv/bin/python benchmarks/bench_screening.py [--set dev|holdout] [--errors]`. Reads
tests/data/screening_eval/<set>.yaml (a list of records: id, title, abstract, publication_types, mesh,
keywords, language, label eligible|ineligible, reason = the first failing criterion, note), screens each
record with the protocol of config/config.yaml and no curated tables, and prints sensitivity (eligible
records included or awaiting), strict sensitivity (included), specificity (ineligible records not
included), the share of ineligible records left awaiting, and the exclusion-reason accuracy. With
--errors, every record the rules got wrong is listed (id, label, decision, reason, evidence). Writes
nothing but stdout. The holdout is run once, by someone other than the author of the rules; its
figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spinereview.config import load_config
from spinereview.screening.evaluate import load_eval_set, metrics, screen_eval_set
from spinereview.screening.protocol import Protocol

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "sensitivity": (">=", 0.98),
    "strict_sensitivity": (">=", 0.80),
    "specificity": (">=", 0.95),
    "awaiting_share": ("<=", 0.25),
    "reason_accuracy": (">=", 0.90),
}


def _fmt(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("dev", "holdout"), default="dev")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "config.yaml")
    parser.add_argument("--errors", action="store_true", help="list the records decided wrongly")
    args = parser.parse_args(argv)
    path = ROOT / "tests" / "data" / "screening_eval" / f"{args.set}.yaml"
    records = load_eval_set(path)
    protocol = Protocol.from_config(load_config(args.config)["screening"])
    decisions = screen_eval_set(records, protocol)
    m = metrics(records, decisions)
    print(f"set {args.set}: {len(records)} records ({m.n_eligible} eligible, {m.n_ineligible} not)")
    print(
        f"eligible:   {m.included_eligible} included, {m.awaiting_eligible} awaiting, "
        f"{m.n_eligible - m.included_eligible - m.awaiting_eligible} excluded"
    )
    print(
        f"ineligible: {m.included_ineligible} included, {m.awaiting_ineligible} awaiting, "
        f"{m.excluded_ineligible} excluded ({m.reason_correct} with the labelled reason)"
    )
    print(f"{'metric':<20}{'value':>6}  target")
    for name, (op, target) in TARGETS.items():
        value = getattr(m, name)
        met = value is not None and (value >= target if op == ">=" else value <= target)
        print(f"{name:<20}{_fmt(value)}  {op} {target:.2f} {'met' if met else 'NOT met'}")
    if args.errors:
        for rec, dec in zip(records, decisions, strict=True):
            wrong = (
                dec["decision"] == "excluded"
                if rec["label"] == "eligible"
                else dec["decision"] != "excluded" or dec["reason"] != rec.get("reason")
            )
            if wrong or (rec["label"] == "eligible" and dec["decision"] != "included"):
                detail = dec.get("reason_detail", "")
                print(
                    f"  {rec['id']}: {rec['label']}/{rec.get('reason')} -> "
                    f"{dec['decision']}/{dec['reason']}: {detail}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
