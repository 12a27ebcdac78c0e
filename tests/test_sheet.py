"""The curated effect-size sheet: the committed sheet validates; each bad row is named precisely."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from spinereview.errors import InputError
from spinereview.extraction.sheet import COLUMNS, load_sheet
from spinereview.screening.sources import load_curated

ROOT = Path(__file__).resolve().parents[1]
SHEET = ROOT / "data/extraction/effects.csv"
STUDIES = {c.publication_id: c.pmid for c in load_curated(ROOT / "data/evidence/studies.csv")}
EVIDENCE = ROOT / "data/evidence/effects.csv"
P_VALUES = {
    "E009": "0.07",
    "E010": "0.48",
    "E011": "0.55",
    "E012": "0.75",
    "E013": "0.017",
    "E014": "0.15",
    "E015": "0.02",
    "E017": "0.11",
    "E018": "0.44",
    "E021": "0.25",
    "E052": "0.25",
    "E074": "0.71",
    "E086": "0.042",
    "E093": "0.0004",
    "E094": "0.0002",
}


def test_committed_sheet_validates_and_keeps_every_evidence_number() -> None:
    rows = load_sheet(SHEET, STUDIES)
    assert len(rows) == 94  # 92 evidence rows + E093/E094 added by the re-curation
    with open(EVIDENCE, encoding="utf-8", newline="") as fh:
        evidence = list(csv.DictReader(fh))
    with open(SHEET, encoding="utf-8", newline="") as fh:
        sheet = list(csv.DictReader(fh))
    for ev, cur in zip(evidence, sheet[: len(evidence)], strict=True):
        assert {k: cur[k] for k in ev} == ev  # same facts, only columns added
    assert [r["row_id"] for r in sheet[len(evidence) :]] == ["E093", "E094"]
    # exact p-values filled by the re-curation (data/extraction/RECOVERY.md says where each was read)
    filled = {r["row_id"]: r["p_value"] for r in sheet if r["p_value"]}
    assert filled == P_VALUES
    # 52 as the evidence README counts, plus E013, whose exact p-value may belong to another
    # comparison (flagged by the re-curation, data/extraction/RECOVERY.md)
    flagged = {r.row_id for r in rows[: len(evidence)] if r.uncertain}
    assert len(flagged) == 53 and "E013" in flagged
    assert {r.row_id for r in rows[: len(evidence)] if "UNCERTAIN" in r.note} == flagged - {"E013"}
    assert {r.row_id for r in rows if r.pooling_exclusion} >= {"E053", "E058", "E069"}


def _sheet_with(tmp_path: Path, row_index: int, **changes: str) -> Path:
    with open(SHEET, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[row_index].update(changes)
    path = tmp_path / "effects.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# Row 3 is E003 (Iversen2011, MD -1.3, CI -13.3 to 10.7); row 14 is E014 (Valat2003, RD with
# counts); row 75 is E075 (Yelland2004, arm means and SDs).
@pytest.mark.parametrize(
    ("index", "changes", "field", "words"),
    [
        (2, {"instrument": "VAS_0_50"}, "instrument", "unknown instrument"),
        (2, {"outcome": "sleep"}, "outcome", "unknown outcome"),
        (2, {"estimate": "12"}, "estimate", "does not contain 12"),
        (2, {"ci_low": "11"}, "ci_low", "exceeds upper limit"),
        (2, {"ci_high": ""}, "ci_high", "needs both limits"),
        (74, {"sd_treat": "-26.6"}, "sd_treat", "negative"),
        (74, {"n_ctrl": "-56"}, "n_ctrl", "negative"),
        (13, {"events_treat": "44"}, "events_treat", "exceeds n_treat"),
        (2, {"timepoint_weeks": ""}, "timepoint_weeks", "timepoint missing"),
        (2, {"measure": "arms"}, "estimate", "arm statistics, not an effect"),
        (13, {"mean_treat": "3"}, "mean_treat", "do not belong to a RD"),
        (2, {"study_id": "Nobody2020"}, "study_id", "not in the studies table"),
        (2, {"pmid": "123"}, "pmid", "differs from the studies table"),
        (2, {"estimate": "x1.3"}, "estimate", "not a number"),
        (2, {"row_id": "E001"}, "row_id", "duplicate row id"),
        (2, {"uncertain": "maybe"}, "uncertain", "yes or no"),
        (2, {"pooling": "skip"}, "pooling", "exclude: <reason>"),
        (13, {"estimate": "150"}, "estimate", "percentage points"),
        (2, {"p_value": "1.2"}, "p_value", "strictly between 0 and 1"),
    ],
)
def test_bad_rows_name_file_row_and_field(
    tmp_path: Path, index: int, changes, field, words
) -> None:
    path = _sheet_with(tmp_path, index, **changes)
    with pytest.raises(InputError) as info:
        load_sheet(path, STUDIES)
    assert (info.value.row, info.value.field) == (index + 1, field), str(info.value)
    assert words in str(info.value) and str(path) in str(info.value)


def test_missing_column_is_reported(tmp_path: Path) -> None:
    text = SHEET.read_text(encoding="utf-8").replace(",locator,", ",where,", 1)
    path = tmp_path / "effects.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        load_sheet(path, STUDIES)
    assert "locator" in COLUMNS


def test_schema_backstop_rejects_what_the_rules_do_not_cover(tmp_path: Path) -> None:
    path = _sheet_with(tmp_path, 2, source_url="")
    with pytest.raises(InputError) as info:
        load_sheet(path, STUDIES)
    assert (info.value.row, info.value.field) == (3, "source_url")
    assert "effects_sheet.schema.yaml" in str(info.value)
