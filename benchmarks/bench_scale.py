"""Benchmark: a synthetic snapshot of N records through parse, screen and candidate extraction.

Run with `.venv/bin/python benchmarks/bench_scale.py [--parse-only] [--shards K] [N ...]` (default 20000) from
the repository root. For each N a synthetic snapshot is written: two query files (``q1``, ``q2``) whose records
overlap by a tenth, so the merge across queries is exercised. Every record is written by this script
from word lists and a seeded random generator (titles, a structured abstract with arm statistics and
effect statements, authors, MeSH, publication types); no record is copied from anywhere, and the
PMIDs (from 90,000,001) are outside the curated tables' range.

Each step is the package's CLI called as the workflow calls it (workflow/rules/search.smk,
screen.smk, extract.smk), in its own process under ``/usr/bin/time``, so the figures are the step's
own: wall seconds, CPU seconds (user + system, less sensitive to other load on a shared machine),
peak RSS, and records per second of wall time. The curated inputs (studies, links, overrides, the
effect sheet) are the repository's own.

With ``--keep DIR`` the snapshot and every step's outputs stay in ``DIR/<N>/`` (a new folder), so
that one step can be measured again by hand. With ``--shards K`` (and ``--parse-only``: parse and gather only) the steps run as the workflow runs them with ``scale.shards: K``: ``parse-shard``,
``screen-shard`` and ``extract-shard`` once per shard, as many at a time as the machine has cores,
each followed by its gather (``gather-records``, ``screen-records``, ``extract-candidates``). A
sharded step's row gives the wall time from the first shard's start to the last one's end, the CPU
seconds of all its shards, and the largest peak RSS of any one shard.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PMID = 90_000_001
HEADER = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<PubmedArticleSet>\n"
)
DRUGS = ("steroid", "triamcinolone", "methylprednisolone", "lidocaine", "saline", "ozone", "PRP")
ROUTES = ("epidural", "transforaminal", "interlaminar", "facet joint", "sacroiliac joint", "caudal")
CONDITIONS = (
    "lumbar radicular pain",
    "sciatica",
    "chronic low back pain",
    "cervical radiculopathy",
    "spinal stenosis",
    "facet joint pain",
)
DESIGNS = (
    ("a randomised controlled trial", "Randomized Controlled Trial"),
    ("a double-blind randomized trial", "Randomized Controlled Trial"),
    ("a prospective cohort study", "Observational Study"),
    ("a systematic review", "Systematic Review"),
    ("a retrospective case series", "Journal Article"),
    ("a narrative review", "Review"),
)
OUTCOMES = ("leg pain", "back pain", "disability (ODI)", "pain on the NRS", "function (RMDQ)")
NAMES = ("Ahn", "Berg", "Costa", "Dahl", "Eze", "Fujita", "Gomez", "Hale", "Ito", "Jensen", "Kaur")
MESH = (
    ("D017116", "Low Back Pain"),
    ("D012585", "Sciatica"),
    ("D007269", "Injections, Epidural"),
    ("D005938", "Glucocorticoids"),
    ("D011843", "Radiculopathy"),
    ("D013130", "Spinal Stenosis"),
)
ARTICLE = """<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>
<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print"><Volume>{volume}</Volume>
<Issue>{issue}</Issue><PubDate><Year>{year}</Year><Month>{month}</Month></PubDate></JournalIssue>
<Title>Journal of Synthetic Spine Studies</Title><ISOAbbreviation>J Synth Spine</ISOAbbreviation>
</Journal><ArticleTitle>{title}</ArticleTitle><Pagination><MedlinePgn>{first}-{last}</MedlinePgn>
</Pagination><ELocationID EIdType="doi" ValidYN="Y">10.9999/synth.{pmid}</ELocationID><Abstract>
<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">{background}</AbstractText>
<AbstractText Label="METHODS" NlmCategory="METHODS">{methods}</AbstractText>
<AbstractText Label="RESULTS" NlmCategory="RESULTS">{results}</AbstractText>
<AbstractText Label="CONCLUSIONS" NlmCategory="CONCLUSIONS">{conclusions}</AbstractText>
</Abstract><AuthorList CompleteYN="Y">{authors}</AuthorList><Language>eng</Language>
<PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType>
<PublicationType UI="D000000">{ptype}</PublicationType></PublicationTypeList></Article>
<MedlineJournalInfo><MedlineTA>J Synth Spine</MedlineTA></MedlineJournalInfo><MeshHeadingList>{mesh}
</MeshHeadingList><KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">{route} injection</Keyword>
</KeywordList></MedlineCitation><PubmedData><PublicationStatus>ppublish</PublicationStatus>
<ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>
"""
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def article(pmid: int) -> str:
    """One synthetic PubmedArticle, its words drawn from the lists above (seeded by the PMID)."""
    rng = random.Random(pmid)
    drug, route, condition = rng.choice(DRUGS), rng.choice(ROUTES), rng.choice(CONDITIONS)
    design, ptype = rng.choice(DESIGNS)
    outcome = rng.choice(OUTCOMES)
    n1, n2 = rng.randint(20, 200), rng.randint(20, 200)
    m1, m2 = rng.uniform(2, 6), rng.uniform(2, 6)
    diff = m1 - m2
    low, high = diff - rng.uniform(0.3, 1.5), diff + rng.uniform(0.3, 1.5)
    events1, events2 = rng.randint(1, n1), rng.randint(1, n2)
    authors = "".join(
        f"<Author><LastName>{rng.choice(NAMES)}</LastName><ForeName>{chr(65 + i)}</ForeName>"
        f"<Initials>{chr(65 + i)}</Initials></Author>"
        for i in range(rng.randint(1, 8))
    )
    mesh = "".join(
        f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="N">{name}</DescriptorName>'
        "</MeshHeading>"
        for ui, name in rng.sample(MESH, 3)
    )
    first = rng.randint(1, 900)
    return ARTICLE.format(
        pmid=pmid,
        volume=rng.randint(1, 60),
        issue=rng.randint(1, 12),
        year=rng.randint(1995, 2025),
        month=rng.choice(MONTHS),
        title=f"{route.capitalize()} {drug} injection for {condition}: {design}",
        first=first,
        last=first + rng.randint(3, 15),
        background=f"The effect of {route} {drug} injections on {condition} is uncertain.",
        methods=(
            f"We allocated {n1 + n2} patients with {condition} to {route} {drug} (n = {n1}) or "
            f"a comparator (n = {n2}) and measured {outcome} at {rng.choice((4, 6, 12, 26))} weeks."
        ),
        results=(
            f"{outcome.capitalize()} was {m1:.1f} (SD {rng.uniform(0.5, 2.5):.1f}) versus "
            f"{m2:.1f} (SD {rng.uniform(0.5, 2.5):.1f}); mean difference {diff:.1f} "
            f"(95% CI {low:.1f} to {high:.1f}). Responders: {events1}/{n1} versus {events2}/{n2}."
        ),
        conclusions=f"In {condition}, {route} {drug} {rng.choice(('helped', 'did not help'))}.",
        authors=authors,
        ptype=ptype,
        mesh=mesh,
        route=route,
    )


def write_snapshot(directory: Path, n: int) -> list[dict[str, str]]:
    """Two query files: q1 holds the first 55 % of the records, q2 the last 55 % (10 % in both)."""
    cut1, cut2 = int(n * 0.55), int(n * 0.45)
    parts = {
        "q1": range(FIRST_PMID, FIRST_PMID + cut1),
        "q2": range(FIRST_PMID + cut2, FIRST_PMID + n),
    }
    for query_id, pmids in parts.items():
        with open(directory / f"{query_id}.xml", "w", encoding="utf-8") as fh:
            fh.write(HEADER)
            for pmid in pmids:
                fh.write(article(pmid))
            fh.write("</PubmedArticleSet>\n")
    return [{"id": q, "term": f"synthetic {q}"} for q in parts]


def timed(command: list[str], src: Path = ROOT / "src") -> dict[str, float]:
    """Run ``command`` under /usr/bin/time with the package from ``src``; wall, CPU s, peak MiB."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        subprocess.run(
            ["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M", *command],
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(src)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wall, user, system, kib = report.read().split()[-4:]
    return {"wall": float(wall), "cpu": float(user) + float(system), "rss": int(kib) / 1024}


def timed_all(commands: list[list[str]]) -> dict[str, float]:
    """Run ``commands`` side by side, as many at a time as there are cores; summed over the shards."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(timed, commands))
    return {
        "wall": time.perf_counter() - start,
        "cpu": sum(r["cpu"] for r in results),
        "rss": max(r["rss"] for r in results),
    }


def sharded_steps(cli: list[str], tmp: Path, queries: str, k: int) -> dict[str, list[list[str]]]:
    """The workflow's commands with ``scale.shards: k`` (workflow/rules/search, screen, extract)."""
    names = [f"{i}-of-{k}" for i in range(1, k + 1)]
    shards = tmp / "shards"
    shards.mkdir()
    records = tmp / "records.parquet"
    parsed = [shards / f"records.{name}.parquet" for name in names]
    screened = [shards / f"screening.{name}.jsonl" for name in names]
    extracted = [shards / f"candidates.{name}.jsonl" for name in names]
    snapshot = str(tmp / "snapshot")
    return {
        "parse-shard": [
            [
                *cli,
                "parse-shard",
                "--snapshot-dir",
                snapshot,
                "--queries",
                queries,
                "--shard",
                name,
                "--out",
                str(out),
            ]
            for name, out in zip(names, parsed, strict=True)
        ],
        "gather-records": [
            [
                *cli,
                "gather-records",
                "--shards",
                *map(str, parsed),
                "--out-parquet",
                str(records),
                "--out-csv",
                str(tmp / "records.csv"),
            ]
        ],
        "screen-shard": [
            [*cli, "screen-shard", "--records", str(part), "--out", str(out)]
            for part, out in zip(parsed, screened, strict=True)
        ],
        "screen-records": [
            [
                *cli,
                "screen-records",
                "--records",
                str(records),
                "--classified",
                *map(str, screened),
                "--out-dir",
                str(tmp / "screening"),
            ]
        ],
        "extract-shard": [
            [*cli, "extract-shard", "--records", str(part), "--out", str(out)]
            for part, out in zip(parsed, extracted, strict=True)
        ],
        "extract-candidates": [
            [
                *cli,
                "extract-candidates",
                "--shards",
                *map(str, extracted),
                "--out-candidates",
                str(tmp / "candidates.csv"),
                "--out-crosscheck",
                str(tmp / "crosscheck.csv"),
                "--out-drafts",
                str(tmp / "drafts.csv"),
            ]
        ],
    }


def main(argv: list[str]) -> None:
    """``[--parse-only] [--shards K] [--keep DIR] [--against CHECKOUT] N ...``.

    With --parse-only, only parse-records runs. With --against, each step also runs with the package
    of another checkout (e.g. main's worktree) on the same synthetic snapshot, right after this
    checkout's, and the table gains its rows and the CPU ratio (other / this).
    """
    parse_only = "--parse-only" in argv
    against = None
    if "--against" in argv:
        at = argv.index("--against")
        against = Path(argv[at + 1]).resolve() / "src"
        argv = argv[:at] + argv[at + 2 :]
    keep = None
    if "--keep" in argv:
        at = argv.index("--keep")
        keep = Path(argv[at + 1]).resolve()
        argv = argv[:at] + argv[at + 2 :]
    shards = 0
    if "--shards" in argv:
        at = argv.index("--shards")
        shards = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    sizes = [int(a) for a in argv if a != "--parse-only"] or [20_000]
    cli = [sys.executable, "-m", "spinereview"]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print("| records | step | wall s | CPU s | records/s (wall) | records/s (CPU) | peak RSS MiB |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in sizes:
        with contextlib.ExitStack() as stack:
            if keep is None:
                tmp_path = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            else:
                tmp_path = keep / str(n)
                tmp_path.mkdir(parents=True)
            (tmp_path / "snapshot").mkdir()
            queries = json.dumps(write_snapshot(tmp_path / "snapshot", n))
            records = tmp_path / "records.parquet"
            if shards:
                total = {"wall": 0.0, "cpu": 0.0, "rss": 0.0}
                for name, commands in sharded_steps(cli, tmp_path, queries, shards).items():
                    if parse_only and name not in ("parse-shard", "gather-records"):
                        continue
                    result = timed_all(commands)
                    label = f"`{name}` × {shards}" if len(commands) > 1 else f"`{name}`"
                    _row(n, label, result)
                    total = {
                        "wall": total["wall"] + result["wall"],
                        "cpu": total["cpu"] + result["cpu"],
                        "rss": max(total["rss"], result["rss"]),
                    }
                _row(n, f"all steps, {shards} shards", total)
                continue
            steps = {
                "parse-records": [
                    *cli,
                    "parse-records",
                    "--snapshot-dir",
                    str(tmp_path / "snapshot"),
                    "--queries",
                    queries,
                    "--out-parquet",
                    str(records),
                    "--out-csv",
                    str(tmp_path / "records.csv"),
                ],
                "screen-records": [
                    *cli,
                    "screen-records",
                    "--records",
                    str(records),
                    "--out-dir",
                    str(tmp_path / "screening"),
                ],
                "extract-candidates": [
                    *cli,
                    "extract-candidates",
                    "--records",
                    str(records),
                    "--out-candidates",
                    str(tmp_path / "candidates.csv"),
                    "--out-crosscheck",
                    str(tmp_path / "crosscheck.csv"),
                    "--out-drafts",
                    str(tmp_path / "drafts.csv"),
                ],
            }
            for name, command in steps.items():
                if parse_only and name != "parse-records":
                    continue
                result = timed(command)
                _row(n, f"`{name}`", result)
                if against is not None:
                    other = timed(command, against)
                    ratio = other["cpu"] / result["cpu"]
                    _row(n, f"`{name}` with {against.parent.name} (CPU {ratio:.1f} ×)", other)
                    if name == "parse-records" and not parse_only:
                        timed(command)  # the records of this checkout feed the next steps


def _row(n: int, label: str, result: dict[str, float]) -> None:
    print(
        f"| {n:,} | {label} | {result['wall']:.1f} | {result['cpu']:.1f} "
        f"| {n / result['wall']:,.0f} | {n / result['cpu']:,.0f} | {result['rss']:,.0f} |",
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
