# Stage 3: screening — eligibility from the protocol in config, de-duplication, PRISMA 2020 counts.


rule screen_records:
    input:
        records=f"{RESULTS}/records.parquet",
        studies="data/evidence/studies.csv",
        other_sources="data/screening/other_sources.csv",
        links="data/screening/study_links.csv",
        overrides="data/screening/overrides.csv",
    output:
        decisions=f"{RESULTS}/screening/decisions.csv",
        duplicates=f"{RESULTS}/screening/duplicates.csv",
        included=f"{RESULTS}/screening/included.csv",
        comparisons=f"{RESULTS}/screening/comparisons.csv",
        prisma=f"{RESULTS}/screening/prisma.json",
    params:
        protocol=json.dumps(config["screening"], ensure_ascii=False, sort_keys=True),
        out_dir=lambda wildcards, output: os.path.dirname(output.prisma),
        cli=SPINEREVIEW,
    log:
        "logs/screen/screen_records.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} screen-records --protocol {params.protocol:q} --records {input.records:q}"
        " --studies {input.studies:q} --other-sources {input.other_sources:q}"
        " --links {input.links:q} --overrides {input.overrides:q}"
        " --out-dir {params.out_dir:q} 2> {log:q}"
