"""Scatter–gather (issue 16, must have 3): parsing, screening and candidate extraction per shard of
the records, gathered into the tables one job writes, byte for byte.

The unit tests use a synthetic search of their own (invented titles and abstracts, no sentence of any
paper) that has records in every shard, a PMID found by both queries, two reports with one DOI in
different shards and an empty shard. The workflow test runs the snapshot with the default (one
shard) and then the same finished directory with three shards.
"""

from __future__ import annotations

import csv
import hashlib
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_copy import copy_workflow, run_snakemake

from spinereview.config import check_config, load_config, load_yaml_lines
from spinereview.errors import InputError
from spinereview.extraction.run import extract_shard, gather_candidates, run_candidates
from spinereview.pubmed.records import build_records, build_records_shard, gather_records
from spinereview.screening.protocol import Protocol
from spinereview.screening.run import ScreeningInputs, classify_records, run_screening
from spinereview.screening.screen import Classified, classify_item, items_from_records
from spinereview.screening.sources import load_curated
from spinereview.shards import member, parse_shard, shard_names, shard_of

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "config.yaml"
STUDIES = ROOT / "data" / "evidence" / "studies.csv"
SHEET = ROOT / "data" / "extraction" / "effects.csv"
SCREENING = ROOT / "data" / "screening"

# -- the shard of a PMID ------------------------------------------------------------------------------


def test_shard_of_is_crc32_of_the_pmid_modulo_the_number_of_shards() -> None:
    """Fixed values: CRC-32 is one standard function, the same on every platform and Python."""
    pmids = ["1", "2", "3", "343479", "24988555", "9171065", "30000001", "99999999"]
    assert [shard_of(p, 4) for p in pmids] == [3, 1, 3, 1, 2, 3, 2, 2]
    assert [shard_of(p, 7) for p in pmids] == [2, 0, 6, 4, 2, 0, 6, 1]
    assert {shard_of(p, 1) for p in pmids} == {0}


def test_shard_of_does_not_depend_on_the_hash_seed() -> None:
    code = "from spinereview.shards import shard_of; print([shard_of(str(p), 5) for p in range(1, 200)])"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": ":".join(sys.path)},
        ).stdout
        for seed in ("1", "2", "random")
    }
    assert seen == {f"{[shard_of(str(p), 5) for p in range(1, 200)]}\n"}


def test_every_pmid_is_in_exactly_one_shard() -> None:
    pmids = [str(p) for p in range(1, 2000, 7)]
    for shards in (1, 2, 3, 5, 16):
        tests = [member(name) for name in shard_names(shards)]
        assert all(sum(test(p) for test in tests) == 1 for p in pmids)


def test_shard_names_and_their_parse() -> None:
    assert shard_names(3) == ["1-of-3", "2-of-3", "3-of-3"]
    assert [parse_shard(n) for n in shard_names(3)] == [(0, 3), (1, 3), (2, 3)]
    for bad in ("0-of-3", "4-of-3", "1of3", "x", "01-of-3"):
        with pytest.raises(InputError, match="not a shard name"):
            parse_shard(bad)
    with pytest.raises(ValueError):
        shard_names(0)


# -- the setting --------------------------------------------------------------------------------------


def test_shipped_config_sets_the_default_one_shard() -> None:
    assert load_config(CONFIG)["scale"] == {"shards": 1}


@pytest.mark.parametrize(
    ("value", "words"),
    [("0", "less than the minimum of 1"), ("two", "is not of type 'integer'"), ("1.5", "integer")],
)
def test_a_bad_number_of_shards_names_the_key_and_its_line(
    tmp_path: Path, value: str, words: str
) -> None:
    text = CONFIG.read_text(encoding="utf-8").replace("  shards: 1\n", f"  shards: {value}\n")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"  shards: {value}") + 1
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.field == "scale.shards" and info.value.line == line
    assert words in str(info.value)


def test_shards_from_the_command_line_become_a_number() -> None:
    config, lines = load_yaml_lines(CONFIG)
    overrides = {"scale": {"shards": "4"}}
    config["scale"] = dict(overrides["scale"])
    check_config(config, lines=lines, overrides=overrides)
    assert config["scale"]["shards"] == 4
    config["scale"] = {"shards": "many"}
    with pytest.raises(InputError) as info:
        check_config(config, lines=lines, overrides={"scale": {"shards": "many"}})
    assert info.value.field == "scale.shards" and "--config" in str(info.value)


def test_the_scale_block_is_optional() -> None:
    config, lines = load_yaml_lines(CONFIG)
    del config["scale"]
    check_config(config, lines=lines)


# -- a synthetic search of its own --------------------------------------------------------------------

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n'
# Invented effect statements (numbers only; E009 of the curated sheet is Friedly2014's MD -1.0
# (-2.1 to 0.1) on the RMDQ at 6 weeks, so that candidate agrees with the sheet).
FRIEDLY = (
    "At 6 weeks the RMDQ score was lower after glucocorticoid plus lidocaine "
    "(mean difference -1.0; 95% CI -2.1 to 0.1). Leg pain at 3 months: MD -3.1 (95% CI -7.9 to 1.7)."
)
EFFECT = "Back pain at {weeks} weeks: MD {est} (95% CI {low} to {high}). RR 1.25 (0.80 to 1.95)."
TITLES = (
    "Epidural steroid injection versus saline for chronic sciatica: a randomised trial {n}",
    "Facet joint injection of local anaesthetic in chronic low back pain {n}",
    "A narrative review of spinal injections {n}",
    "Exercise therapy for acute back pain {n}",
)


def _article(pmid: str, title: str, abstract: str | None, doi: str | None, ptype: str) -> str:
    text = f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract>" if abstract else ""
    ids = f'<ArticleId IdType="doi">{doi}</ArticleId>' if doi else ""
    return f"""<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><Journal><JournalIssue>
<PubDate><Year>2014</Year><Month>Jul</Month></PubDate></JournalIssue><Title>Invented Journal</Title>
</Journal><ArticleTitle>{title}</ArticleTitle>{text}<Language>eng</Language><PublicationTypeList>
<PublicationType UI="D000000">{ptype}</PublicationType></PublicationTypeList></Article>
<KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">injection</Keyword></KeywordList>
</MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId>{ids}
</ArticleIdList></PubmedData></PubmedArticle>
"""


def _articles() -> dict[str, str]:
    """PMID -> article: two curated studies, 40 invented records (every fourth without abstract)."""
    out = {
        "24988555": _article(
            "24988555",
            "Glucocorticoid injections for spinal stenosis",
            FRIEDLY,
            None,
            "Clinical Trial",
        ),
        "9171065": _article(
            "9171065",
            "Epidural corticosteroid injections for sciatica",
            None,
            None,
            "Journal Article",
        ),
    }
    for n in range(40):
        pmid = str(30_000_001 + n * 37)
        title = TITLES[n % len(TITLES)].format(n=n)
        abstract = None if n % 4 == 3 else EFFECT.format(weeks=n + 1, est=-n, low=-n - 5, high=5)
        ptype = ("Randomized Controlled Trial", "Journal Article", "Review")[n % 3]
        doi = "10.9999/invented.same" if n in (4, 5) else f"10.9999/invented.{n}"
        out[pmid] = _article(pmid, title, abstract, doi, ptype)
    return out


def _write_query(path: Path, articles: list[str]) -> Path:
    path.write_text(HEADER + "".join(articles) + "</PubmedArticleSet>\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Path]]:
    """Two query files; the second also finds the first's first three records (and Friedly2014)."""
    folder = tmp_path_factory.mktemp("search")
    articles = _articles()
    pmids = list(articles)
    first, second = pmids[:26], pmids[26:] + pmids[2:5] + ["24988555"]
    return [
        ("alpha", _write_query(folder / "alpha.xml", [articles[p] for p in first])),
        ("beta", _write_query(folder / "beta.xml", [articles[p] for p in second])),
    ]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sharded(files: list[tuple[str, Path]], shards: int, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in shard_names(shards):
        paths.append(folder / f"records.{name}.parquet")
        build_records_shard(files, name, paths[-1])
    return paths


@pytest.fixture(scope="module")
def whole(search, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The records table as one job builds it."""
    folder = tmp_path_factory.mktemp("whole")
    build_records(search, folder / "records.parquet", folder / "records.csv")
    return folder / "records.parquet"


@pytest.mark.parametrize("shards", [1, 3, 4, 64])
def test_records_gathered_from_shards_are_the_unsharded_table_byte_for_byte(
    search, whole: Path, tmp_path: Path, shards: int
) -> None:
    parts = _sharded(search, shards, tmp_path / "shards")
    count = gather_records(parts, tmp_path / "records.parquet", tmp_path / "records.csv")
    assert count == 42
    assert _sha(tmp_path / "records.parquet") == _sha(whole)
    assert _sha(tmp_path / "records.csv") == _sha(whole.with_suffix(".csv"))
    import pyarrow.parquet as pq

    sizes = [pq.read_metadata(p).num_rows for p in parts]
    assert sum(sizes) == 42
    if shards in (3, 4):
        assert min(sizes) > 0  # every shard has records
    if shards == 64:
        assert 0 in sizes  # and an empty shard is gathered as well
    table = pq.read_table(tmp_path / "records.parquet").to_pylist()
    found_twice = [r["pmid"] for r in table if r["query_ids"] == ["alpha", "beta"]]
    assert len(found_twice) == 4  # one row per PMID, both queries named, in config order


@pytest.mark.parametrize("shards", [1, 3])
def test_gathering_in_small_batches_gives_the_unsharded_table_byte_for_byte(
    search, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shards: int
) -> None:
    """Batches of 4 rows: the gather reads each shard a batch at a time and merges across shards,
    so rows of one output batch come from several shard batches; the bytes stay those of one job."""
    import pyarrow.parquet as pq

    from spinereview.pubmed import records

    monkeypatch.setattr(records, "BATCH_ROWS", 4)
    build_records(search, tmp_path / "whole.parquet", tmp_path / "whole.csv")
    parts = _sharded(search, shards, tmp_path / "shards")
    assert gather_records(parts, tmp_path / "r.parquet", tmp_path / "r.csv") == 42
    assert pq.read_metadata(tmp_path / "r.parquet").num_row_groups == 11  # 42 rows, 4 a group
    assert _sha(tmp_path / "r.parquet") == _sha(tmp_path / "whole.parquet")
    assert _sha(tmp_path / "r.csv") == _sha(tmp_path / "whole.csv")


def test_gathering_refuses_a_shard_file_out_of_pmid_order(search, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    parts = _sharded(search, 1, tmp_path / "shards")
    table = pq.read_table(parts[0])
    pq.write_table(table.take(list(range(table.num_rows))[::-1]), parts[0])
    with pytest.raises(InputError, match="not in PMID order") as info:
        gather_records(parts, tmp_path / "r.parquet", tmp_path / "r.csv")
    assert str(parts[0]) in str(info.value)
    assert not (tmp_path / "r.parquet").exists() and not (tmp_path / "r.csv").exists()


def test_a_shard_file_does_not_depend_on_the_order_of_the_records(search, tmp_path: Path) -> None:
    alpha = search[0][1]
    articles = _articles()
    shuffled = []
    for query_id, path in search:
        text = path.read_text(encoding="utf-8")
        order = [p for p in articles if f">{p}</PMID>" in text]
        random.Random(7).shuffle(order)
        shuffled.append(
            (query_id, _write_query(tmp_path / path.name, [articles[p] for p in order]))
        )
    assert shuffled[0][1].read_bytes() != alpha.read_bytes()
    one = _sharded(search, 3, tmp_path / "a")
    two = _sharded(shuffled, 3, tmp_path / "b")
    assert [_sha(p) for p in one] == [_sha(p) for p in two]


def test_gathering_refuses_a_pmid_in_two_shard_files(search, tmp_path: Path) -> None:
    parts = _sharded(search, 2, tmp_path / "shards")
    with pytest.raises(InputError, match="is also in") as info:
        gather_records([*parts, parts[0]], tmp_path / "r.parquet", tmp_path / "r.csv")
    assert str(parts[0]) in str(info.value)
    assert not (tmp_path / "r.parquet").exists() and not (tmp_path / "r.csv").exists()


def test_a_bad_record_stops_its_shard_naming_shard_row_pmid_and_field(tmp_path: Path) -> None:
    articles = _articles()
    bad = articles["30000038"].replace("<Year>2014</Year>", "<Year>1066</Year>")
    query = _write_query(tmp_path / "q.xml", [articles["24988555"], bad])
    name = next(n for n in shard_names(4) if member(n)("30000038"))
    out = tmp_path / f"records.{name}.parquet"
    with pytest.raises(InputError) as info:
        build_records_shard([("q", query)], name, out)
    assert f"{out}, row 1, field 'year': pmid '30000038'" in str(info.value)
    assert not out.exists()
    other = next(n for n in shard_names(4) if not member(n)("30000038"))
    build_records_shard([("q", query)], other, tmp_path / "other.parquet")  # not this shard's


# -- screening: classified per shard, decided over all records -----------------------------------------


def _screening_outputs(folder: Path) -> dict[str, str]:
    return {p.name: _sha(p) for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def protocol_config() -> dict:
    return load_config(CONFIG)["screening"]


@pytest.fixture(scope="module")
def screening_inputs(tmp_path_factory: pytest.TempPathFactory) -> ScreeningInputs:
    """The repository's curated tables, and an override of one invented record."""
    folder = tmp_path_factory.mktemp("screening-inputs")
    overrides = folder / "overrides.csv"
    overrides.write_text(
        "record_id,decision,reason,reviewer,date\n"
        "pmid:30000075,excluded,not a trial,AB,2026-11-30\n",
        encoding="utf-8",
    )
    return ScreeningInputs(
        studies=STUDIES,
        other_sources=SCREENING / "other_sources.csv",
        links=SCREENING / "study_links.csv",
        overrides=overrides,
    )


@pytest.mark.parametrize("shards", [1, 3])
def test_screening_from_shards_is_the_unsharded_screening_byte_for_byte(
    search, whole: Path, tmp_path: Path, shards: int, protocol_config, screening_inputs
) -> None:
    one = tmp_path / "one"
    run_screening(whole, screening_inputs, protocol_config, one)
    parts = _sharded(search, shards, tmp_path / "shards")
    classified = []
    for part in parts:
        classified.append(part.with_suffix(".jsonl"))
        classify_records(part, STUDIES, protocol_config, classified[-1])
    gathered = tmp_path / "gathered"
    prisma = run_screening(whole, screening_inputs, protocol_config, gathered, classified)
    assert _screening_outputs(gathered) == _screening_outputs(one)
    with open(gathered / "decisions.csv", encoding="utf-8", newline="") as fh:
        decisions = {row["record_id"]: row for row in csv.DictReader(fh)}
    # de-duplication is over all records: the two reports with one DOI are in different shards
    first, second = (f"pmid:{30_000_001 + n * 37}" for n in (4, 5))
    assert shards == 1 or shard_of(first[5:], shards) != shard_of(second[5:], shards)
    assert decisions[second]["reason"] == "duplicate_doi"
    assert decisions["pmid:30000075"]["reason"] == "reviewer_override"
    assert {"included", "excluded", "duplicate", "awaiting_classification"} == {
        row["decision"] for row in decisions.values() if row["source"] == "pubmed"
    }
    counts = prisma["databases"]
    assert counts["records_identified"] == 46  # 42 records, 4 found by both queries
    assert counts["duplicates_by_key"] == {"duplicate_doi": 1, "duplicate_pmid_across_queries": 4}


def test_screening_refuses_shards_that_are_not_of_its_records(
    search, whole: Path, tmp_path: Path, protocol_config, screening_inputs
) -> None:
    parts = _sharded(search, 3, tmp_path / "shards")
    classified = [part.with_suffix(".jsonl") for part in parts]
    for part, out in zip(parts, classified, strict=True):
        classify_records(part, STUDIES, protocol_config, out)
    with pytest.raises(InputError, match="not in both"):
        run_screening(whole, screening_inputs, protocol_config, tmp_path / "a", classified[:2])
    with pytest.raises(InputError, match="is also in"):
        run_screening(
            whole, screening_inputs, protocol_config, tmp_path / "b", [*classified, classified[1]]
        )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_screening_reads_shard_lines_in_any_order_and_names_a_bad_one(
    search, whole: Path, tmp_path: Path, protocol_config, screening_inputs
) -> None:
    """The gather reads each record's line where the shard file has it (in the table's order it
    reads each file once, front to back; shuffled, it seeks): the same files either way."""
    parts = _sharded(search, 2, tmp_path / "shards")
    classified = [part.with_suffix(".jsonl") for part in parts]
    for part, out in zip(parts, classified, strict=True):
        classify_records(part, STUDIES, protocol_config, out)
    run_screening(whole, screening_inputs, protocol_config, tmp_path / "a", classified)
    lines = classified[1].read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(3).shuffle(lines)
    classified[1].write_text("".join(lines), encoding="utf-8")
    run_screening(whole, screening_inputs, protocol_config, tmp_path / "b", classified)
    assert _screening_outputs(tmp_path / "b") == _screening_outputs(tmp_path / "a")
    classified[1].write_text("".join(lines[:2]) + '{"record_id": "pmid:1"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not a screening shard line") as info:
        run_screening(whole, screening_inputs, protocol_config, tmp_path / "c", classified)
    assert info.value.line == 3 and str(classified[1]) in str(info.value)
    assert not (tmp_path / "c").exists()


def test_a_classification_survives_its_json_line(whole: Path, protocol_config) -> None:
    import pyarrow.parquet as pq

    protocol = Protocol.from_config(protocol_config)
    records = pq.read_table(whole).to_pylist()
    items = items_from_records(records, load_curated(STUDIES))
    for item in items:
        found = classify_item(item, protocol)
        assert Classified.from_json(found.to_json()) == found
    spans = [
        c.span
        for item in items
        for r in classify_item(item, protocol).comparisons
        for c in r.classes.values()
    ]
    assert any(isinstance(s, tuple) for s in spans)  # evidence sentences come back as offsets


# -- candidate extraction: per shard, cross-checked with the sheet at the gathering ----------------------


@pytest.mark.parametrize("shards", [1, 3, 4])
def test_candidates_from_shards_are_the_unsharded_tables_byte_for_byte(
    search, whole: Path, tmp_path: Path, shards: int
) -> None:
    names = ("candidates.csv", "crosscheck.csv", "draft_rows.csv")
    one = [tmp_path / "one" / n for n in names]
    counts = run_candidates(whole, SHEET, STUDIES, *one)
    parts = _sharded(search, shards, tmp_path / "shards")
    found = [part.with_suffix(".jsonl") for part in parts]
    for part, out in zip(parts, found, strict=True):
        extract_shard(part, STUDIES, out)
    gathered = [tmp_path / "gathered" / n for n in names]
    assert gather_candidates(found, SHEET, STUDIES, *gathered) == counts
    assert [_sha(p) for p in gathered] == [_sha(p) for p in one]
    assert counts[0] == 31 and counts[1] > 60  # abstracts, candidates
    drafts = gathered[2].read_text(encoding="utf-8")
    assert "already in the sheet as E009" in drafts  # the cross-check reaches the shard's draft
    if shards > 1:
        assert sum(1 for p in found if p.read_text(encoding="utf-8")) > 1


def test_gathering_candidates_refuses_shard_files_of_another_run_or_order(
    search, tmp_path: Path
) -> None:
    parts = _sharded(search, 2, tmp_path / "shards")
    found = [part.with_suffix(".jsonl") for part in parts]
    for part, out in zip(parts, found, strict=True):
        extract_shard(part, STUDIES, out)
    names = ("candidates.csv", "crosscheck.csv", "draft_rows.csv")
    outputs = [tmp_path / "out" / n for n in names]
    # the same file twice: the first PMID of the second copy names the first copy
    with pytest.raises(InputError, match="is also in") as twice:
        gather_candidates([*found, found[0]], SHEET, STUDIES, *outputs)
    assert str(found[0]) in str(twice.value) and "line 1" in str(twice.value)
    # lines out of PMID order (not written by extract-shard)
    lines = found[0].read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) > 2
    found[0].write_text("".join([lines[1], lines[0], *lines[2:]]), encoding="utf-8")
    with pytest.raises(InputError, match="not in PMID order") as order:
        gather_candidates(found, SHEET, STUDIES, *outputs)
    assert str(found[0]) in str(order.value) and "line 2" in str(order.value)
    # a line that is not an entry
    found[0].write_text('{"pmid": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not an extraction shard line"):
        gather_candidates(found, SHEET, STUDIES, *outputs)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_empty_shard_gathers_to_headers_only(tmp_path: Path) -> None:
    query = _write_query(tmp_path / "q.xml", [])
    parts = _sharded([("q", query)], 2, tmp_path / "shards")
    assert gather_records(parts, tmp_path / "r.parquet", tmp_path / "r.csv") == 0
    build_records([("q", query)], tmp_path / "w.parquet", tmp_path / "w.csv")
    assert _sha(tmp_path / "r.parquet") == _sha(tmp_path / "w.parquet")
    assert _sha(tmp_path / "r.csv") == _sha(tmp_path / "w.csv")
    found = [p.with_suffix(".jsonl") for p in parts]
    for part, out in zip(parts, found, strict=True):
        extract_shard(part, STUDIES, out)
        assert out.read_bytes() == b""
    names = ("candidates.csv", "crosscheck.csv", "draft_rows.csv")
    assert gather_candidates(found, SHEET, STUDIES, *(tmp_path / n for n in names))[:2] == (0, 0)


# -- the workflow: one shard (the default) and three give the same files ------------------------------


def _hashes(workdir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(workdir)): _sha(p)
        for folder in ("results", "reports")
        for p in sorted((workdir / folder).rglob("*"))
        if p.is_file() and "shards" not in p.relative_to(workdir).parts
    }


@pytest.mark.workflow
def test_workflow_with_three_shards_writes_the_same_files_as_with_one(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    one = copy_workflow(tmp_path_factory.mktemp("one-shard"))
    first = run_snakemake(one)
    assert first.returncode == 0, first.stderr[-3000:]
    assert sorted(p.name for p in (one / "results/shards").iterdir()) == [
        "candidates.1-of-1.jsonl",
        "records.1-of-1.parquet",
        "screening.1-of-1.jsonl",
    ]
    three = tmp_path_factory.mktemp("three-shards") / "w"
    shutil.copytree(one, three, symlinks=True)  # the finished run, then three shards
    config = ["--config", "scale={shards: 3}"]
    second = run_snakemake(three, *config)
    console = second.stdout + second.stderr
    assert second.returncode == 0, console[-3000:]
    for stage, rule in (
        ("parse", "parse_shard"),
        ("screen", "screen_shard"),
        ("extract", "extract_shard"),
    ):
        for name in shard_names(3):
            assert (three / f"logs/{stage}/{rule}.{name}.log").exists()
    import pyarrow.parquet as pq

    sizes = [
        pq.read_metadata(three / f"results/shards/records.{n}.parquet").num_rows
        for n in shard_names(3)
    ]
    assert (
        min(sizes) > 0
        and sum(sizes) == pq.read_metadata(three / "results/records.parquet").num_rows
    )
    before, after = _hashes(one), _hashes(three)
    assert len(before) > 100
    assert sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)) == []
    again = run_snakemake(three, *config, "--dry-run")
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
