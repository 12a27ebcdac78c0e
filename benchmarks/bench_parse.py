"""Benchmark: PubMed-XML parsing and the records table against bare lxml and Bio.Entrez.read.

Run with `.venv/bin/python benchmarks/bench_parse.py [--no-entrez] [--repeat K] [N ...]` (default
20000 100000, K 1). For each N a synthetic PubmedArticleSet is written (placeholder text of its own, never a copied
record: structured abstract, 6 authors, MeSH, keywords), then each step runs in a fresh process, so
its peak RSS is its own:

* ``lxml tag loop``: bare ``lxml.etree.iterparse(tag="PubmedArticle")``, clearing each article and
  deleting earlier siblings: the C parser alone, the anchor the parser is measured against;
* ``lxml all events``: bare ``iterparse`` handing every element to Python (the loop a naive reader
  writes);
* ``iter_records``: ``spinereview.pubmed.parse.iter_records``, every record built, with the
  record builder it picks (the compiled one when built; the label says which);
* ``iter_records, Python builder``: the same with ``SPINEREVIEW_PURE_PARSER=1``, the reference
  builder in Python;
* ``Bio.Entrez.read``: Biopython's reader (whole file in memory; skipped above 100k or with
  ``--no-entrez``);
* ``records table``: ``spinereview.pubmed.records.build_records`` (parse, merge, column checks,
  Parquet and CSV), and the table step alone (table minus iter_records).

Ratios are against the anchors measured in the same run, as wall-clock times on a shared machine
are noisy. With ``--repeat K`` every step runs K times, the steps taking turns (all steps once, then
all again), and each figure is the step's fastest run (seconds and CPU seconds each their minimum,
as ``timeit`` reports): other processes only ever slow a run down, so the fastest is the least
disturbed, and taking turns spreads a slow spell of the machine over every step. The numbers in benchmarks/README.md come from this script; they are
measurements, not test assertions.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<PubmedArticleSet>\n"
)
AUTHOR = "<Author><LastName>Name{i}</LastName><ForeName>F</ForeName><Initials>F</Initials></Author>"
ARTICLE = """<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>
<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print"><Volume>12</Volume><Issue>3</Issue>
<PubDate><Year>2010</Year><Month>Jan</Month></PubDate></JournalIssue><Title>Placeholder Journal</Title>
<ISOAbbreviation>Placeholder J</ISOAbbreviation></Journal><ArticleTitle>Placeholder title {pmid} with
<i>markup</i></ArticleTitle><Pagination><MedlinePgn>1-10</MedlinePgn></Pagination><Abstract>
<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Placeholder background text.</AbstractText>
<AbstractText Label="METHODS" NlmCategory="METHODS">Placeholder methods text, 120 participants.</AbstractText>
<AbstractText Label="RESULTS" NlmCategory="RESULTS">Placeholder result -1.3 (95% CI -2.0 to -0.6).</AbstractText>
<AbstractText Label="CONCLUSIONS" NlmCategory="CONCLUSIONS">Placeholder conclusion.</AbstractText>
</Abstract><AuthorList CompleteYN="Y">{authors}</AuthorList><Language>eng</Language>
<PublicationTypeList><PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>
</PublicationTypeList></Article><MedlineJournalInfo><MedlineTA>Placeholder J</MedlineTA></MedlineJournalInfo>
<MeshHeadingList><MeshHeading><DescriptorName UI="D017116" MajorTopicYN="Y">Low Back Pain</DescriptorName>
<QualifierName UI="Q000188" MajorTopicYN="N">drug therapy</QualifierName></MeshHeading></MeshHeadingList>
<KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">placeholder</Keyword></KeywordList></MedlineCitation>
<PubmedData><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>
<ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>
"""
STEPS = ("lxml_tag", "lxml_all", "iter_records", "iter_records_pure", "entrez", "table")
LABELS = {
    "lxml_tag": "lxml tag loop (anchor)",
    "lxml_all": "lxml all events",
    "iter_records": "iter_records ({builder} builder)",
    "iter_records_pure": "iter_records ({builder} builder)",
    "entrez": "Bio.Entrez.read",
    "table": "records table (parse + table)",
}


def write_file(path: Path, n: int) -> None:
    authors = "".join(AUTHOR.format(i=i) for i in range(6))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for pmid in range(1, n + 1):
            fh.write(ARTICLE.format(pmid=pmid, authors=authors))
        fh.write("</PubmedArticleSet>\n")


def run_step(step: str, path: Path, n: int) -> None:
    """Run one step on ``path`` in this process; print JSON: wall and CPU seconds, peak RSS in MiB."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_start = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    builder = ""
    if step == "lxml_tag":
        from lxml import etree

        count = 0
        events = etree.iterparse(str(path), events=("end",), tag="PubmedArticle")
        for count, (_event, elem) in enumerate(events, start=1):  # noqa: B007
            elem.clear()
            while elem.getprevious() is not None:
                del elem.getparent()[0]
    elif step == "lxml_all":
        from lxml import etree

        count = 0
        for _event, elem in etree.iterparse(str(path), events=("end",)):
            if elem.tag == "PubmedArticle":
                count += 1
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
    elif step in ("iter_records", "iter_records_pure"):
        from spinereview.pubmed.parse import RECORD_BUILDER, iter_records

        builder = RECORD_BUILDER
        count = sum(1 for _ in iter_records(path))
    elif step == "entrez":
        from Bio import Entrez

        with open(path, "rb") as handle:
            count = len(Entrez.read(handle)["PubmedArticle"])
    else:
        from spinereview.pubmed.records import build_records

        count = build_records([("q", path)], path.with_suffix(".parquet"), path.with_suffix(".csv"))
    seconds = time.perf_counter() - start
    assert count == n, (step, count, n)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_start
    rss = usage.ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss": rss, "builder": builder}))


def measure(step: str, path: Path, n: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "SPINEREVIEW_PURE_PARSER"}
    if step == "iter_records_pure":
        env["SPINEREVIEW_PURE_PARSER"] = "1"
    out = subprocess.run(
        [sys.executable, __file__, "--run", step, str(path), str(n)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return json.loads(out.splitlines()[-1])


def fastest_run(results: list[dict[str, float]]) -> dict[str, float]:
    """The least seconds and CPU seconds of a step's runs (each on its own), its largest RSS."""
    return {
        "seconds": min(r["seconds"] for r in results),
        "cpu": min(r["cpu"] for r in results),
        "rss": max(r["rss"] for r in results),
        "builder": results[0]["builder"],
    }


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}"
    )


def main(argv: list[str]) -> None:
    if argv[:1] == ["--run"]:
        run_step(argv[1], Path(argv[2]), int(argv[3]))
        return
    entrez = "--no-entrez" not in argv
    repeat = 1
    if "--repeat" in argv:
        at = argv.index("--repeat")
        repeat = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    sizes = [int(a) for a in argv if a != "--no-entrez"] or [20_000, 100_000]
    import lxml.etree

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {machine()}, lxml {lxml.etree.__version__}, load average {load}"
        + (f", fastest of {repeat} runs a step" if repeat > 1 else "")
    )
    print(
        "| records | step | seconds | CPU s | × lxml tag loop | × tag loop (CPU) "
        "| × lxml all events | peak RSS MiB |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.xml"
            write_file(path, n)
            runs: dict[str, list[dict[str, float]]] = {}
            for _ in range(repeat):
                for step in STEPS:
                    if step == "entrez" and (not entrez or n > 100_000):
                        continue
                    runs.setdefault(step, []).append(measure(step, path, n))
            found = {step: fastest_run(results) for step, results in runs.items()}
        tag, every = found["lxml_tag"]["seconds"], found["lxml_all"]["seconds"]
        tag_cpu = found["lxml_tag"]["cpu"]
        for step, result in found.items():
            s, c = result["seconds"], result["cpu"]
            label = LABELS[step].format(builder=result["builder"])
            print(
                f"| {n:,} | {label} | {s:.2f} | {c:.2f} | {s / tag:.2f} | {c / tag_cpu:.2f} "
                f"| {s / every:.2f} | {result['rss']:,.0f} |"
            )
        parse, table = found["iter_records"]["seconds"], found["table"]["seconds"]
        parse_cpu, table_cpu = found["iter_records"]["cpu"], found["table"]["cpu"]
        print(
            f"| {n:,} | table step alone (table − iter_records) | {table - parse:.2f} "
            f"| {table_cpu - parse_cpu:.2f} | | | | |"
        )
        summary = (
            f"{n:,}: iter_records {parse / tag:.2f}× lxml tag loop "
            f"({parse_cpu / tag_cpu:.2f}× in CPU time), {parse / every:.2f}× all events"
        )
        if "entrez" in found:
            entrez_s, entrez_cpu = found["entrez"]["seconds"], found["entrez"]["cpu"]
            summary += (
                f", {entrez_s / parse:.1f}× faster than Bio.Entrez.read "
                f"({entrez_cpu / parse_cpu:.1f}× in CPU time)"
            )
        pure, pure_cpu = found["iter_records_pure"]["seconds"], found["iter_records_pure"]["cpu"]
        summary += (
            f"; Python builder {pure / tag:.2f}× lxml tag loop ({pure_cpu / tag_cpu:.2f}× in CPU "
            f"time), {pure / parse:.2f}× the time of iter_records ({pure_cpu / parse_cpu:.2f}× CPU)"
        )
        if "entrez" in found:
            summary += f", {entrez_s / pure:.1f}× faster than Bio.Entrez.read"
        summary += (
            f"; table step {(table - parse) / parse:.2f}× the parse "
            f"({(table_cpu - parse_cpu) / parse_cpu:.2f}× in CPU time)"
        )
        print(summary, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
