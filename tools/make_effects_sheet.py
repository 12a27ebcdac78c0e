"""One-off: derive data/extraction/effects.csv from data/evidence/effects.csv (kept for transparency).

The curated sheet is the evidence file with five columns added in front or at the end; no number is
changed. Run once when the sheet was created; afterwards curators edit data/extraction/effects.csv
directly (and `spinereview validate-sheet` checks it).

* row_id     E001… in the order of the evidence file (stable ids for provenance links);
* direction  lower_better / higher_better: pain, disability and treatment-failure outcomes are better
             when lower; responders, and instruments reported as a reduction or improvement, when higher;
* uncertain  yes when the note contains "UNCERTAIN" (the evidence README's flag), else no;
* p_value    an exact two-sided p-value for rows without a CI (empty: none is in the evidence columns);
* pooling    empty, or "exclude: <reason>" for rows whose notes say they must not be pooled or counted.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

# Rows whose notes say they must not be pooled, keyed by (study_id, measure, timepoint_weeks, outcome) so the
# rule is visible here; each reason paraphrases the note of that row.
EXCLUDE = {
    (
        "Manchikanti2012d",
        "RD",
        "104",
        "responder",
    ): "responders-only subset (post-randomisation 'successful' group)",
    ("TerMeulen2023", "MD", "26", "leg_pain"): "comparison against usual care without injection",
    ("Cohen2012", "MD", "6", "disability"): "value computed from two other published differences",
    ("Kennedy2019", "arms", "", "responder"): "follow-up length not stated, so no time window",
    ("Friedly2014", "arms", "6", "disability"): "duplicate of the MD row (do not double count)",
    ("Friedly2014", "arms", "6", "leg_pain"): "duplicate of the MD row (do not double count)",
}


def direction(row: dict[str, str]) -> str:
    instrument = row["instrument"].casefold()
    if "higher = worse" in instrument:
        return "lower_better"
    if (
        row["outcome"] == "responder"
        or "reduction" in instrument
        or "positive = improvement" in instrument
    ):
        return "higher_better"
    return "lower_better"


def main(src: Path, dest: Path) -> None:
    with open(src, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows, columns = list(reader), list(reader.fieldnames or [])
    out_columns = ["row_id", *columns, "p_value", "direction", "uncertain", "pooling"]
    with open(dest, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, out_columns, lineterminator="\n")
        writer.writeheader()
        for number, row in enumerate(rows, start=1):
            key = (row["study_id"], row["measure"], row["timepoint_weeks"], row["outcome"])
            reason = EXCLUDE.get(key, "")
            writer.writerow(
                {
                    "row_id": f"E{number:03d}",
                    **row,
                    "direction": direction(row),
                    "uncertain": "yes" if "UNCERTAIN" in row["note"] else "no",
                    "pooling": f"exclude: {reason}" if reason else "",
                }
            )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
