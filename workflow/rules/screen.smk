# Stage 3: screening — eligibility from the protocol in config, de-duplication, PRISMA 2020 counts,
# and the human reviewer's sheet with the agreement between the rules and the reviewer.


# The costly part of screening, reading each record's text against the protocol, runs once per shard
# of the records; screen_records then de-duplicates, decides and counts over all records.
rule screen_shard:
    input:
        records=f"{RESULTS}/shards/records.{{shard}}.parquet",
        studies="data/evidence/studies.csv",
    output:
        update(f"{RESULTS}/shards/screening.{{shard}}.jsonl"),
    params:
        protocol=SCREENING_PROTOCOL,
        cli=SPINEREVIEW,
    log:
        "logs/screen/screen_shard.{shard}.log",
    wildcard_constraints:
        shard=SHARD_PATTERN,
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} screen-shard --protocol {params.protocol:q} --records {input.records:q}"
        " --studies {input.studies:q} --out {output:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


rule screen_records:
    input:
        records=f"{RESULTS}/records.parquet",
        classified=expand(f"{RESULTS}/shards/screening.{{shard}}.jsonl", shard=SHARDS),
        studies="data/evidence/studies.csv",
        other_sources="data/screening/other_sources.csv",
        links="data/screening/study_links.csv",
        overrides="data/screening/overrides.csv",
        # the snapshot's manifest (PMIDs efetch withheld); in live mode the search's folder holds it
        manifest=snapshot_manifest,
    output:
        decisions=update(f"{RESULTS}/screening/decisions.csv"),
        duplicates=update(f"{RESULTS}/screening/duplicates.csv"),
        included=update(f"{RESULTS}/screening/included.csv"),
        comparisons=update(f"{RESULTS}/screening/comparisons.csv"),
        prisma=update(f"{RESULTS}/screening/prisma.json"),
    params:
        protocol=SCREENING_PROTOCOL,
        out_dir=lambda wildcards, output: os.path.dirname(output.prisma),
        manifest=manifest_path,
        cli=SPINEREVIEW,
    # on the path to the figures, which the slowest jobs (notebooks, report) wait for
    priority: 10
    log:
        "logs/screen/screen_records.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} screen-records --protocol {params.protocol:q} --records {input.records:q}"
        " --studies {input.studies:q} --other-sources {input.other_sources:q}"
        " --links {input.links:q} --overrides {input.overrides:q} --manifest {params.manifest:q}"
        " --classified {input.classified:q} --out-dir {params.out_dir:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


rule write_review_sheet:
    input:
        decisions=rules.screen_records.output.decisions,
    output:
        update(f"{RESULTS}/screening/to_review.csv"),
    params:
        sample=config["screening"]["human_review"]["sample_excluded"],
        seed=config["screening"]["human_review"]["seed"],
        cli=SPINEREVIEW,
    log:
        "logs/screen/write_review_sheet.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} write-review-sheet --decisions {input.decisions:q}"
        " --sample-excluded {params.sample} --seed {params.seed} --out {output:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


rule measure_agreement:
    input:
        decisions=rules.screen_records.output.decisions,
        to_review=rules.write_review_sheet.output[0],
        # the reviewer's sheet only when it exists: a missing sheet means "not yet reviewed"
        sheet=lambda wildcards: optional_input(REVIEW_SHEET),
    output:
        update(f"{RESULTS}/screening/agreement.json"),
    params:
        sheet=optional_path("sheet", REVIEW_SHEET),
        cli=SPINEREVIEW,
    log:
        "logs/screen/measure_agreement.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} measure-agreement --decisions {input.decisions:q}"
        " --to-review {input.to_review:q} --sheet {params.sheet:q} --out {output:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
