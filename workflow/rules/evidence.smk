# Stage 6a: evidence — published reviews harmonised to this review's scale, sign and windows.


rule review_estimates:
    input:
        evidence=config["reviews"]["evidence"],
        mapping=config["reviews"]["mapping"],
    output:
        f"{RESULTS}/reviews/estimates.csv",
    params:
        config=json.dumps(config, sort_keys=True, ensure_ascii=False),
        cli=SPINEREVIEW,
    log:
        "logs/evidence/review_estimates.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} review-estimates --config-json {params.config:q} --evidence {input.evidence:q}"
        " --mapping {input.mapping:q} --out {output:q} 2> {log:q}"
