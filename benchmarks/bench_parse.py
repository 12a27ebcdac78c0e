"""Benchmark: PubMed-XML parsing speed and peak memory against the number of records.

Run with `.venv/bin/python benchmarks/bench_parse.py [N ...]`. The records are synthetic (placeholder
text, realistic structure: structured abstract, 6 authors, MeSH, keywords). Memory is the tracemalloc
peak while streaming, which should stay flat as N grows; time is wall-clock and machine dependent.
Numbers from a run are recorded in benchmarks/README.md — they are measurements, not test assertions.
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from spinereview.pubmed.parse import iter_records

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


def write_file(path: Path, n: int) -> None:
    authors = "".join(AUTHOR.format(i=i) for i in range(6))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for pmid in range(1, n + 1):
            fh.write(ARTICLE.format(pmid=pmid, authors=authors))
        fh.write("</PubmedArticleSet>\n")


def measure(n: int) -> tuple[float, float, float]:
    """Return (seconds, records per second, tracemalloc peak in MiB) for streaming ``n`` records."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xml"
        write_file(path, n)
        start = time.perf_counter()
        count = sum(1 for _ in iter_records(path))
        seconds = time.perf_counter() - start
        tracemalloc.start()
        for _ in iter_records(path):
            pass
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert count == n
    return seconds, n / seconds, peak


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1_000, 10_000, 100_000]
    print("| records | seconds | records/s | peak traced MiB |")
    print("|---:|---:|---:|---:|")
    for n in sizes:
        seconds, rate, peak = measure(n)
        print(f"| {n:,} | {seconds:.2f} | {rate:,.0f} | {peak:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
