# Stage 5: meta-analysis — every configured analysis x window, sensitivity runs, bias checks.


rule pool_effects:
    input:
        effects=f"{RESULTS}/extraction/effects.parquet",
        included=f"{RESULTS}/screening/included.csv",
    output:
        pooled=update(f"{RESULTS}/meta/pooled.csv"),
        loo=update(f"{RESULTS}/meta/loo.csv"),
        subgroups=update(f"{RESULTS}/meta/subgroups.csv"),
        bias=update(f"{RESULTS}/meta/bias.csv"),
        estimators=update(f"{RESULTS}/meta/estimators.csv"),
        analyses=update(
            expand(
                f"{RESULTS}/meta/analyses/{{analysis}}.json",
                analysis=[a["id"] for a in config["meta"]["analyses"]],
            )
        ),
    params:
        settings=config_json(config["meta"], sort_keys=True, ensure_ascii=False),
        recovery=config_json(config["extraction"]["recovery"], sort_keys=True),
        out_dir=lambda wildcards, output: os.path.dirname(output.pooled),
        cli=SPINEREVIEW,
    # on the path to the figures, which the slowest jobs (notebooks, report) wait for
    priority: 10
    log:
        "logs/meta/pool_effects.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} pool-effects --settings {params.settings:q} --recovery {params.recovery:q}"
        " --effects {input.effects:q}"
        " --included {input.included:q} --out-dir {params.out_dir:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
