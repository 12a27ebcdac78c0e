"""Withheld PMIDs (efetch never sent the record) in the PRISMA counts, read from the snapshot
manifest: identified by the search, passed on unscreened, reports not retrieved (issue 17)."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

import pytest

from spinereview.config import load_config
from spinereview.errors import InputError
from spinereview.pubmed.records import merge_query_files, write_records
from spinereview.screening.prisma import check_prisma
from spinereview.screening.run import ScreeningInputs, run_screening

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config/config.yaml")
SNAPSHOT = ROOT / CONFIG["search"]["snapshot_dir"]
EMBEDDED = json.loads((SNAPSHOT / "manifest.json").read_text(encoding="utf-8"))
OUTPUTS = ("decisions.csv", "duplicates.csv", "included.csv", "comparisons.csv", "prisma.json")
NEW = "99999999"  # a PMID in no record: the search found it, efetch never sent it


def inputs(manifest: Path | None) -> ScreeningInputs:
    return ScreeningInputs(
        studies=ROOT / "data/evidence/studies.csv",
        other_sources=ROOT / "data/screening/other_sources.csv",
        links=ROOT / "data/screening/study_links.csv",
        overrides=ROOT / "data/screening/overrides.csv",
        manifest=manifest,
    )


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("records")
    files = [(q["id"], SNAPSHOT / f"{q['id']}.xml") for q in CONFIG["search"]["queries"]]
    write_records(merge_query_files(files), tmp / "records.parquet", tmp / "records.csv")
    return tmp / "records.parquet"


@pytest.fixture(scope="module")
def plain(records: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screening without any manifest: the outputs as they were before withheld records."""
    out = tmp_path_factory.mktemp("plain")
    run_screening(records, inputs(None), CONFIG["screening"], out)
    return out


def write_manifest(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def with_withheld(**per_query: list[str]) -> dict[str, Any]:
    """The embedded manifest with ``withheld`` PMIDs added (and counted in esearch_count)."""
    data = copy.deepcopy(EMBEDDED)
    for query in data["queries"]:
        pmids = per_query.get(query["id"])
        if pmids is not None:
            query["withheld"] = pmids
            query["esearch_count"] += len(pmids)
    return data


def screen(records: Path, out: Path, manifest: Path | None) -> dict[str, Any]:
    return run_screening(records, inputs(manifest), CONFIG["screening"], out)


def test_the_embedded_manifest_changes_no_output(
    records: Path, plain: Path, tmp_path: Path
) -> None:
    """No withheld key (the committed snapshot) and an empty list both mean: nothing withheld;
    every output stays byte for byte as without the manifest."""
    assert all("withheld" not in q for q in EMBEDDED["queries"])
    empty = with_withheld(**{q["id"]: [] for q in EMBEDDED["queries"]})
    for name, manifest in (
        ("none", SNAPSHOT / "manifest.json"),
        ("empty", write_manifest(tmp_path, empty)),
    ):
        out = tmp_path / name
        prisma = screen(records, out, manifest)
        assert "withheld" not in prisma and prisma["databases"]["reports_not_retrieved"] == 0
        for output in OUTPUTS:
            assert (out / output).read_bytes() == (plain / output).read_bytes(), (name, output)


def test_a_withheld_pmid_is_identified_and_not_retrieved(
    records: Path, plain: Path, tmp_path: Path
) -> None:
    before = json.loads((plain / "prisma.json").read_text(encoding="utf-8"))
    manifest = write_manifest(tmp_path, with_withheld(epidural=[NEW]))
    prisma = screen(records, tmp_path / "out", manifest)
    db, old = prisma["databases"], before["databases"]
    esearch = {q["id"]: q["esearch_count"] + (q["id"] == "epidural") for q in EMBEDDED["queries"]}
    assert prisma["identification"]["databases"]["PubMed"] == esearch
    assert db["records_identified"] == sum(esearch.values()) == old["records_identified"] + 1
    assert db["duplicates_removed"] == old["duplicates_removed"]
    assert db["records_screened"] == old["records_screened"] + 1
    assert db["records_excluded"] == old["records_excluded"]
    assert db["reports_sought"] == old["reports_sought"] + 1
    assert db["reports_not_retrieved"] == 1
    assert db["reports_not_retrieved_reasons"] == {"withheld_by_pubmed": 1}
    assert db["reports_assessed"] == old["reports_assessed"]
    assert prisma["included"] == before["included"]
    assert prisma["withheld"] == {"epidural": [NEW]}
    check_prisma(prisma)
    # the decisions hold screened records only: the withheld one has no record to decide on
    for name in ("decisions.csv", "included.csv", "duplicates.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (plain / name).read_bytes(), name


def test_a_withheld_pmid_found_elsewhere_is_a_duplicate(
    records: Path, plain: Path, tmp_path: Path
) -> None:
    """A PMID withheld by one query but sent for another was retrieved: a duplicate across
    queries, not a report not retrieved. One withheld by two queries is not retrieved once."""
    ids = [q["id"] for q in EMBEDDED["queries"]]
    first, second = (set(q["pmids"]) for q in EMBEDDED["queries"])
    elsewhere = min(second - first, key=int)
    manifest = write_manifest(
        tmp_path,
        with_withheld(**{ids[0]: sorted([elsewhere, NEW], key=int), ids[1]: [NEW]}),
    )
    prisma = screen(records, tmp_path / "out", manifest)
    before = json.loads((plain / "prisma.json").read_text(encoding="utf-8"))["databases"]
    db = prisma["databases"]
    assert db["records_identified"] == before["records_identified"] + 3
    assert db["duplicates_removed"] == before["duplicates_removed"] + 2
    assert db["duplicates_by_key"]["duplicate_pmid_across_queries"] == (
        before["duplicates_by_key"]["duplicate_pmid_across_queries"] + 2
    )
    assert db["reports_not_retrieved"] == 1 and db["records_screened"] == (
        before["records_screened"] + 1
    )
    with open(tmp_path / "out" / "duplicates.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if "withheld" in r["value"]]
    assert [(r["record_id"], r["key"]) for r in rows] == [
        (f"pmid:{elsewhere}", "pmid_across_queries"),
        (f"pmid:{NEW}", "pmid_across_queries"),
    ]
    assert rows[0]["value"] == f"found by {ids[0]} (withheld by efetch there; kept from {ids[1]})"
    assert (
        rows[1]["value"]
        == f"found by {ids[1]} (withheld by efetch there; first withheld in {ids[0]})"
    )


# -- the manifest's withheld field, validated strictly ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12345", "must be a list of numeric PMID strings"),
        ([12345], "must be a list of numeric PMID strings"),
        (["0123"], "must be a list of numeric PMID strings"),
        (["12a"], "must be a list of numeric PMID strings"),
        ([None], "must be a list of numeric PMID strings"),
        ({"pmid": "1"}, "must be a list of numeric PMID strings"),
        (["99999999", "88888888"], "unique, sorted numerically and not among pmids"),
        (["88888888", "88888888"], "unique, sorted numerically and not among pmids"),
        (["343479"], "unique, sorted numerically and not among pmids"),  # in the file already
    ],
)
def test_a_malformed_withheld_field_names_file_and_field(
    records: Path, tmp_path: Path, value: Any, message: str
) -> None:
    data = copy.deepcopy(EMBEDDED)
    data["queries"][0]["withheld"] = value
    manifest = write_manifest(tmp_path, data)
    with pytest.raises(InputError) as info:
        screen(records, tmp_path / "out", manifest)
    assert info.value.path == str(manifest)
    assert info.value.field == "queries[0].withheld"
    assert message in str(info.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_withheld_pmids_must_be_counted_by_esearch(records: Path, tmp_path: Path) -> None:
    data = copy.deepcopy(EMBEDDED)
    data["queries"][1]["withheld"] = [NEW]  # esearch_count left as the file's records
    manifest = write_manifest(tmp_path, data)
    with pytest.raises(InputError) as info:
        screen(records, tmp_path / "out", manifest)
    assert info.value.field == "queries[1].withheld"
    count = data["queries"][1]["esearch_count"]
    assert f"esearch_count {count} is not the {count} PMIDs of its file plus the 1 withheld" in str(
        info.value
    )


def test_a_withheld_pmid_the_records_have_from_that_query_is_refused(
    records: Path, tmp_path: Path
) -> None:
    """A manifest that says a PMID was withheld while the records hold it from the same query does
    not describe these records (the records came from another snapshot)."""
    data = copy.deepcopy(EMBEDDED)
    query = data["queries"][0]
    query["pmids"].remove("343479")
    query["withheld"] = ["343479"]
    manifest = write_manifest(tmp_path, data)
    with pytest.raises(InputError) as info:
        screen(records, tmp_path / "out", manifest)
    assert info.value.field == "queries[0].withheld"
    assert "PMID(s) 343479 listed as withheld, but the records table has them" in str(info.value)


def test_a_missing_manifest_is_named(records: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"manifest\.json: snapshot manifest not found"):
        screen(records, tmp_path / "out", tmp_path / "manifest.json")


def test_records_the_table_leaves_out_are_named(
    records: Path, plain: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A PMID in the snapshot file but not in the records table (a PubMed Bookshelf record, which
    the records table leaves out) makes records identified fall short of the esearch count: said
    on the console with the query, never silently. The committed snapshot has none."""
    caplog.set_level("WARNING")
    screen(records, tmp_path / "none", SNAPSHOT / "manifest.json")
    assert "not journal articles" not in caplog.text
    data = copy.deepcopy(EMBEDDED)
    query = data["queries"][1]
    query["pmids"] = sorted([*query["pmids"], "99999998"], key=int)
    query["esearch_count"] += 1
    prisma = screen(records, tmp_path / "out", write_manifest(tmp_path, data))
    count = query["esearch_count"]
    assert (
        f"query {query['id']}: 1 record(s) of the snapshot are not journal articles (PubMed "
        f"Bookshelf) and are not screened, so PRISMA's records identified for this query are "
        f"{count - 1}, below its esearch count {count}"
    ) in caplog.text
    assert (tmp_path / "out" / "prisma.json").read_bytes() == (plain / "prisma.json").read_bytes()
    assert "withheld" not in prisma
