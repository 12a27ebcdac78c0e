# Stage 6a: evidence — published reviews harmonised to this review's scale, sign and windows, and the
# summary of findings: a GRADE certainty for every own pooled cell.


rule review_estimates:
    input:
        evidence=config["reviews"]["evidence"],
        mapping=config["reviews"]["mapping"],
    output:
        update(f"{RESULTS}/reviews/estimates.csv"),
    params:
        config=REVIEW_CONFIG_JSON,
        cli=SPINEREVIEW,
    log:
        "logs/evidence/review_estimates.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} review-estimates --config-json {params.config:q} --evidence {input.evidence:q}"
        " --mapping {input.mapping:q} --out {output:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


rule summarise_findings:
    input:
        pooled=f"{RESULTS}/meta/pooled.csv",
        analyses=expand(
            f"{RESULTS}/meta/analyses/{{analysis}}.json",
            analysis=[a["id"] for a in config["meta"]["analyses"]],
        ),
        effects=f"{RESULTS}/extraction/effects.csv",
        bias=f"{RESULTS}/meta/bias.csv",
        rob=lambda wildcards: optional_input(ROB_SHEET),
    output:
        update(f"{RESULTS}/evidence/summary_of_findings.csv"),
    params:
        config=REVIEW_CONFIG_JSON,
        analyses_dir=lambda wildcards, input: os.path.dirname(input.analyses[0]),
        rob_sheet=optional_path("rob", ROB_SHEET),
        cli=SPINEREVIEW,
    # on the path to the figures, which the slowest jobs (notebooks, report) wait for
    priority: 10
    log:
        "logs/evidence/summarise_findings.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} summarise-findings --config-json {params.config:q} --pooled {input.pooled:q}"
        " --analyses-dir {params.analyses_dir:q} --effects {input.effects:q} --bias {input.bias:q}"
        " --rob-sheet {params.rob_sheet:q} --out {output:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
