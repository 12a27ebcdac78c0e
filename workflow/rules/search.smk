# Stages 1-2: the search (the committed snapshot, or a live E-utilities search) and the records table.


if LIVE:

    rule fetch_pubmed:
        # Runs on the host that runs Snakemake, never as a cluster job: this one job owns all
        # E-utilities traffic of the search, paced by the host's shared limiter file (README,
        # "Running on a cluster"), and the submit host is where the network is.
        localrule: True
        output:
            snapshot=directory(SNAPSHOT),
        params:
            queries=QUERIES_JSON,
            # The API key is never passed here (Snakemake prints commands): NCBI_API_KEY only.
            eutils=config_json(config["search"]["eutils"], sort_keys=True),
            out_root=lambda wildcards, output: os.path.dirname(output.snapshot),
            date=LIVE_DATE,
            cli=SPINEREVIEW,
        log:
            "logs/search/fetch_pubmed.log",
        conda:
            "../../environment.yml"
        shell:
            "{params.cli} search-live --queries {params.queries:q} --eutils {params.eutils:q}"
            " --out-root {params.out_root:q} --date {params.date} --progress"
            " 2> >(tee {log:q} >&2)"

    rule diff_pubmed:
        input:
            snapshot=rules.fetch_pubmed.output.snapshot,
            # the snapshot to compare with (the newest earlier one, else the committed one), if any
            previous=lambda wildcards: previous_snapshot_input(),
        output:
            update(f"{RESULTS}/pubmed/diff.json"),
        params:
            # "" (none found): diff-snapshots looks beside the new snapshot, as it always did
            old=optional_path("previous", ""),
            cli=SPINEREVIEW,
        log:
            "logs/search/diff_pubmed.log",
        conda:
            "../../environment.yml"
        shell:
            "{params.cli} diff-snapshots --new {input.snapshot:q} --old {params.old:q} --out {output:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


rule verify_snapshot:
    input:
        unpack(snapshot_files),
    output:
        update(f"{RESULTS}/pubmed/snapshot_verified.json"),
    params:
        snapshot_dir=snapshot_dir,
        queries=QUERIES_JSON,
        cli=SPINEREVIEW,
    log:
        "logs/search/verify_snapshot.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} verify-snapshot --snapshot-dir {params.snapshot_dir:q}"
        " --queries {params.queries:q} --out {output:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


# Parsing runs once per shard of the records (scale.shards; a shard is a stable set of PMIDs, see
# spinereview.shards), so that the shards' jobs run side by side; parse_records joins them.
rule parse_shard:
    input:
        unpack(snapshot_files),
        verified=rules.verify_snapshot.output,
    output:
        update(f"{RESULTS}/shards/records.{{shard}}.parquet"),
    params:
        snapshot_dir=snapshot_dir,
        queries=QUERIES_JSON,
        cli=SPINEREVIEW,
    log:
        "logs/parse/parse_shard.{shard}.log",
    wildcard_constraints:
        shard=SHARD_PATTERN,
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} parse-shard --snapshot-dir {params.snapshot_dir:q}"
        " --queries {params.queries:q} --shard {wildcards.shard} --out {output:q}"
        " 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


rule parse_records:
    input:
        shards=expand(f"{RESULTS}/shards/records.{{shard}}.parquet", shard=SHARDS),
    output:
        parquet=update(f"{RESULTS}/records.parquet"),
        csv=update(f"{RESULTS}/records.csv"),
    params:
        cli=SPINEREVIEW,
    log:
        "logs/parse/parse_records.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} gather-records --shards {input.shards:q} --out-parquet {output.parquet:q}"
        " --out-csv {output.csv:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
