# Stage 7 (report, part): citation lists of the included studies and the article's references, and the
# audit of the article's references. Outputs go to reports/citations/.

CITATION_FORMATS = ["md", "html", "bib", "ris", "json"]
# The article's list is clean (no working notes) and comes in the article's language and English.
ARTICLE_FILES = [f"article.{lang}.{ext}" for lang in ("de", "en") for ext in ("md", "html")] + [
    f"article.{ext}" for ext in ("bib", "ris", "json")
]


rule write_citations:
    input:
        records=f"{RESULTS}/records.parquet",
        included=f"{RESULTS}/screening/included.csv",
        decisions=f"{RESULTS}/screening/decisions.csv",
        studies="data/evidence/studies.csv",
        references="data/article/references.yaml",
        spellings="data/article/author_spellings.csv",
    output:
        included=update(expand("reports/citations/included.{ext}", ext=CITATION_FORMATS)),
        article=update(expand("reports/citations/{name}", name=ARTICLE_FILES)),
        missing=update("reports/citations/missing.csv"),
    params:
        out_dir=lambda wildcards, output: os.path.dirname(output.included[0]),
        cli=SPINEREVIEW,
    log:
        "logs/report/write_citations.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} write-citations --records {input.records:q} --included {input.included:q}"
        " --decisions {input.decisions:q} --studies {input.studies:q}"
        " --references {input.references:q} --spellings {input.spellings:q} --out-dir {params.out_dir:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


rule audit_references:
    # Live mode asks NCBI ECitMatch: then it runs on the submit host too, beside the search and
    # under the same limiter file (README, "Running on a cluster"). Offline it may run anywhere.
    localrule: LIVE
    input:
        references="data/article/references.yaml",
        records=f"{RESULTS}/records.parquet",
        decisions=f"{RESULTS}/screening/decisions.csv",
        pooled=f"{RESULTS}/meta/pooled.csv",
        reviews="data/evidence/reviews_pooled.csv",
    output:
        json=update("reports/citations/audit.json"),
        md=update("reports/citations/audit.md"),
    params:
        # live mode only: citations without identifiers are looked up with NCBI ECitMatch
        ecitmatch="--ecitmatch" if LIVE else "",
        eutils=config_json(config["search"].get("eutils", {}), ensure_ascii=False, sort_keys=True),
        cli=SPINEREVIEW,
    log:
        "logs/report/audit_references.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} audit-references {params.ecitmatch} --references {input.references:q}"
        " --records {input.records:q} --decisions {input.decisions:q} --pooled {input.pooled:q}"
        " --reviews {input.reviews:q} --eutils {params.eutils:q}"
        " --out-json {output.json:q} --out-md {output.md:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
