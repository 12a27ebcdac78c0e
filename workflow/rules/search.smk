# Stage 1-2: the search (frozen snapshot; live E-utilities comes later) and the records table.


rule verify_snapshot:
    input:
        manifest=f"{SNAPSHOT}/manifest.json",
        xml=expand(f"{SNAPSHOT}/{{query}}.xml", query=QUERY_IDS),
    output:
        f"{RESULTS}/pubmed/snapshot_verified.json",
    params:
        snapshot_dir=lambda wildcards, input: os.path.dirname(input.manifest),
        cli=SPINEREVIEW,
        queries=QUERIES_JSON,
    log:
        "logs/search/verify_snapshot.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} verify-snapshot --snapshot-dir {params.snapshot_dir:q}"
        " --queries {params.queries:q} --out {output:q} 2> {log:q}"


rule parse_records:
    input:
        verified=rules.verify_snapshot.output,
        manifest=f"{SNAPSHOT}/manifest.json",
        xml=expand(f"{SNAPSHOT}/{{query}}.xml", query=QUERY_IDS),
    output:
        parquet=f"{RESULTS}/records.parquet",
        csv=f"{RESULTS}/records.csv",
    params:
        snapshot_dir=lambda wildcards, input: os.path.dirname(input.manifest),
        cli=SPINEREVIEW,
        queries=QUERIES_JSON,
    log:
        "logs/parse/parse_records.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} parse-records --snapshot-dir {params.snapshot_dir:q}"
        " --queries {params.queries:q} --out-parquet {output.parquet:q}"
        " --out-csv {output.csv:q} 2> {log:q}"
