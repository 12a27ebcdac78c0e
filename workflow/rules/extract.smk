# Stage 4: extraction — the curated sheet validated and harmonised (common scale, sign, SE, windows);
# candidates from abstracts, their cross-check with the sheet, and draft sheet rows (never pooled).


rule harmonise_effects:
    input:
        sheet=config["extraction"]["sheet"],
        arm_statistics=config["extraction"]["arm_statistics"],
        studies="data/evidence/studies.csv",
        comparisons=f"{RESULTS}/screening/comparisons.csv",
    output:
        parquet=update(f"{RESULTS}/extraction/effects.parquet"),
        csv=update(f"{RESULTS}/extraction/effects.csv"),
    params:
        settings=config_json(config["extraction"], sort_keys=True),
        cli=SPINEREVIEW,
    # on the path to the figures, which the slowest jobs (notebooks, report) wait for
    priority: 10
    log:
        "logs/extract/harmonise_effects.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} harmonise-effects --settings {params.settings:q} --sheet {input.sheet:q}"
        " --arm-statistics {input.arm_statistics:q} --studies {input.studies:q} --comparisons {input.comparisons:q}"
        " --out-parquet {output.parquet:q} --out-csv {output.csv:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


# Candidates and draft rows are found per shard of the records; extract_candidates gathers them and
# cross-checks them with the curated sheet (so an edit of the sheet re-runs only the gathering job).
rule extract_shard:
    input:
        records=f"{RESULTS}/shards/records.{{shard}}.parquet",
        studies="data/evidence/studies.csv",
    output:
        update(f"{RESULTS}/shards/candidates.{{shard}}.jsonl"),
    params:
        cli=SPINEREVIEW,
    log:
        "logs/extract/extract_shard.{shard}.log",
    wildcard_constraints:
        shard=SHARD_PATTERN,
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} extract-shard --records {input.records:q} --studies {input.studies:q}"
        " --out {output:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


rule extract_candidates:
    input:
        shards=expand(f"{RESULTS}/shards/candidates.{{shard}}.jsonl", shard=SHARDS),
        sheet=config["extraction"]["sheet"],
        studies="data/evidence/studies.csv",
    output:
        candidates=update(f"{RESULTS}/extraction/candidates.csv"),
        crosscheck=update(f"{RESULTS}/extraction/crosscheck.csv"),
        drafts=update(f"{RESULTS}/extraction/draft_rows.csv"),
    params:
        cli=SPINEREVIEW,
    log:
        "logs/extract/extract_candidates.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} extract-candidates --shards {input.shards:q} --sheet {input.sheet:q}"
        " --studies {input.studies:q} --out-candidates {output.candidates:q}"
        " --out-crosscheck {output.crosscheck:q} --out-drafts {output.drafts:q}"
        " 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
