"""Published reviews as validated input: mapping checks, harmonisation, figure eligibility, the CLI."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from spinereview.cli import main
from spinereview.config import load_config
from spinereview.errors import InputError
from spinereview.evidence.reviews import (
    ESTIMATE_COLUMNS,
    MAPPING_COLUMNS,
    Protocol,
    evidence_status,
    harmonise,
)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config/config.yaml")
PROTOCOL = Protocol.from_config(CONFIG)
EVIDENCE = ROOT / CONFIG["reviews"]["evidence"]
MAPPING = ROOT / CONFIG["reviews"]["mapping"]


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] | list[str]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def mapping_with(tmp_path: Path, row_id: str, **changes: str) -> Path:
    rows = read(MAPPING)
    for row in rows:
        if row["review_row"] == row_id:
            row.update(changes)
    return write(tmp_path / "mapping.csv", rows, MAPPING_COLUMNS)


@pytest.fixture(scope="module")
def estimates() -> dict[str, dict]:
    return {r["review_row"]: r for r in harmonise(EVIDENCE, MAPPING, PROTOCOL)}


# --- the committed data -----------------------------------------------------------------------


def test_every_evidence_row_is_mapped_once_and_numbers_come_from_the_evidence(estimates) -> None:
    evidence = read(EVIDENCE)
    assert len(estimates) == len(evidence)
    for row in estimates.values():
        source = evidence[row["evidence_row"] - 1]
        assert row["review_id"] == source["review_id"]
        assert row["source_url"] == source["source_url"] and row["locator"] == source["locator"]
        reported = source["estimate"]
        assert (row["reported_estimate"] is None) == (reported == "")


def test_pinto_leg_pain_is_drawn_with_its_k_and_n(estimates) -> None:
    pinto = estimates["R11"]
    assert (pinto["estimate"], pinto["ci_low"], pinto["ci_high"]) == (-6.2, -9.4, -3.0)
    assert (pinto["k"], pinto["n"], pinto["window"], pinto["window_fit"]) == (
        14,
        1316,
        "short",
        "exact",
    )
    assert pinto["article_class"] == "epidural" and pinto["in_figure"] and not pinto["window_flag"]


def test_vas_in_centimetres_is_multiplied_by_ten_without_binary_noise(estimates) -> None:
    joint = estimates["R26"]  # 0.83 (-0.26 to 1.93) cm
    assert (joint["estimate"], joint["ci_low"], joint["ci_high"]) == (8.3, -2.6, 19.3)
    assert joint["conversion"].startswith("x 10 to the 0-100 scale")
    assert joint["article_class"] == "facet" and joint["in_figure"]
    assert joint["window_flag"]  # "closest to but not over 3 months" is not exactly our window


def test_smd_and_ratios_are_never_drawn_on_a_points_axis(estimates) -> None:
    smd, rr = estimates["R20"], estimates["R21"]
    assert smd["estimate"] == -0.33 and not smd["in_figure"] and "SMD" in smd["figure_reason"]
    assert rr["estimate"] == pytest.approx(-0.478036, abs=1e-6) and not rr["in_figure"]


def test_not_verified_and_uncertain_rows_stay_out_of_the_figure_with_their_reason(
    estimates,
) -> None:
    cochrane_short = estimates["R02"]
    assert cochrane_short["status"] == "uncertain" and not cochrane_short["in_figure"]
    assert cochrane_short["figure_reason"].startswith("uncertain: ")
    assert "UNCERTAIN" in cochrane_short["status_reason"]
    unverified = [r for r in estimates.values() if r["status"] == "not_verified"]
    assert unverified and all(not r["in_figure"] for r in unverified)
    assert all("NOT VERIFIED" in r["status_reason"] for r in unverified)


def test_only_steroid_injections_of_the_article_classes_are_drawn(estimates) -> None:
    drawn = sorted(r["review_row"] for r in estimates.values() if r["in_figure"])
    assert drawn == ["R11", "R19", "R25", "R26", "R28", "R30"]
    assert "no steroid" in estimates["R24"]["figure_reason"]
    assert "none of the article's injection classes" in estimates["R27"]["figure_reason"]


def test_evidence_status_takes_the_flagged_sentence() -> None:
    assert evidence_status("Fine. Secondary source.") == ("verified", "")
    status, reason = evidence_status("Read on AFP. UNCERTAIN: scale not stated. More text.")
    assert (status, reason) == ("uncertain", "UNCERTAIN: scale not stated.")
    assert evidence_status("NOT VERIFIED: beyond the excerpt; UNCERTAIN too")[0] == "not_verified"


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "changes", "field", "message"),
    [
        ("R11", {"window": "medium"}, "window", "unknown window 'medium'"),
        ("R11", {"interventions": "epidural_caudal|facet_blok"}, "interventions", "facet_blok"),
        ("R11", {"comparator": "saline"}, "comparator", "unknown comparator class"),
        ("R11", {"window_fit": ""}, "window_fit", "exact or approximate"),
        ("R11", {"factor": "100"}, "factor", "breaks review_mapping.schema.yaml"),
        ("R11", {"evidence_row": "99"}, "evidence_row", "does not exist"),
        ("R12", {"evidence_row": "11"}, "evidence_row", "mapped twice"),
        ("R11", {"scale": "smd"}, None, None),
    ],
)
def test_mapping_errors_name_file_row_and_field(tmp_path, row, changes, field, message) -> None:
    path = mapping_with(tmp_path, row, **changes)
    if field is None:  # a valid change: the SMD scale keeps the number as reported
        rows = {r["review_row"]: r for r in harmonise(EVIDENCE, path, PROTOCOL)}
        assert rows[row]["estimate"] == -6.2 and not rows[row]["in_figure"]
        return
    with pytest.raises(InputError) as info:
        harmonise(EVIDENCE, path, PROTOCOL)
    number = next(i for i, r in enumerate(read(MAPPING), 1) if r["review_row"] == row)
    assert (info.value.path, info.value.row, info.value.field) == (str(path), number, field)
    assert message in str(info.value)


def test_a_missing_mapping_row_is_named(tmp_path) -> None:
    rows = [r for r in read(MAPPING) if r["review_row"] != "R20"]
    path = write(tmp_path / "mapping.csv", rows, MAPPING_COLUMNS)
    with pytest.raises(
        InputError, match=r"evidence row\(s\) 20 of reviews_pooled.csv are not mapped"
    ):
        harmonise(EVIDENCE, path, PROTOCOL)


def test_a_points_scale_needs_a_difference(tmp_path) -> None:
    path = mapping_with(tmp_path, "R21", scale="pain_0_100", factor="1")
    with pytest.raises(InputError) as info:
        harmonise(EVIDENCE, path, PROTOCOL)
    assert (info.value.row, info.value.field) == (21, "measure")
    assert str(EVIDENCE) == info.value.path


def test_cli_writes_the_table_and_a_bad_mapping_writes_nothing(tmp_path, capsys) -> None:
    out = tmp_path / "reviews/estimates.csv"
    assert main(["review-estimates", "--evidence", str(EVIDENCE), "--mapping", str(MAPPING),
                 "--config", str(ROOT / "config/config.yaml"), "--out", str(out)]) == 0  # fmt: skip
    rows = read(out)
    assert tuple(rows[0]) == ESTIMATE_COLUMNS and len(rows) == len(read(EVIDENCE))
    assert {r["in_figure"] for r in rows} == {"true", "false"}
    before = out.read_bytes()
    bad = mapping_with(tmp_path, "R11", window="medium")
    assert main(["review-estimates", "--evidence", str(EVIDENCE), "--mapping", str(bad),
                 "--config", str(ROOT / "config/config.yaml"), "--out", str(out)]) == 1  # fmt: skip
    assert "field 'window'" in capsys.readouterr().err
    assert out.read_bytes() == before
