# Stage 7: the self-contained HTML report (every number linked to its analysis, study and sheet row)
# and the PRISMA 2020 checklist mapping every item to the section that answers it.


rule write_report:
    input:
        verified=f"{RESULTS}/pubmed/snapshot_verified.json",
        prisma=f"{RESULTS}/screening/prisma.json",
        included=f"{RESULTS}/screening/included.csv",
        decisions=f"{RESULTS}/screening/decisions.csv",
        agreement=rules.measure_agreement.output[0],
        effects=f"{RESULTS}/extraction/effects.parquet",
        drafts=rules.extract_candidates.output.drafts,
        meta=rules.pool_effects.output,
        reviews=rules.review_estimates.output[0],
        findings=rules.summarise_findings.output[0],
        figures=rules.draw_figures.output,
        prisma_figures=rules.draw_prisma.output,
        citations=rules.write_citations.output,
        audit=rules.audit_references.output,
        other_sources="data/screening/other_sources.csv",
        overrides="data/screening/overrides.csv",
        # the snapshot's manifest (retrieval date, counts); in live mode the search's folder holds it
        manifest=snapshot_manifest,
    output:
        html=update("reports/report.html"),
        checklist_md=update("reports/prisma_checklist.md"),
        checklist_html=update("reports/prisma_checklist.html"),
    params:
        config=REVIEW_CONFIG_JSON,
        manifest=manifest_path,
        meta_dir=lambda wildcards, input: os.path.dirname(input.meta[0]),
        figures_dir=lambda wildcards, input: os.path.dirname(input.figures[0]),
        citations_dir=lambda wildcards, input: os.path.dirname(input.audit[0]),
        cli=SPINEREVIEW,
    log:
        "logs/report/write_report.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} write-report --config-json {params.config:q} --manifest {params.manifest:q}"
        " --verified {input.verified:q} --prisma {input.prisma:q} --included {input.included:q}"
        " --decisions {input.decisions:q} --effects {input.effects:q} --meta-dir {params.meta_dir:q}"
        " --agreement {input.agreement:q}"
        " --reviews {input.reviews:q} --findings {input.findings:q} --figures-dir {params.figures_dir:q}"
        " --citations-dir {params.citations_dir:q} --other-sources {input.other_sources:q}"
        " --overrides {input.overrides:q} --drafts {input.drafts:q} --out {output.html:q}"
        " --checklist-md {output.checklist_md:q} --checklist-html {output.checklist_html:q}"
        " 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
