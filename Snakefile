# spinereview — the evidence review behind "Infiltrationen bei chronischen Rückenschmerzen".
# Thin by design: configuration, its validation, the stage rules and the final targets.
# All logic lives in the package under src/spinereview; rules only call it.

from snakemake.utils import min_version

min_version("8.20")


# Read first with the project's loader (errors name the file and line), then as Snakemake's config.
include: "workflow/rules/config.smk"


configfile: CONFIGFILE


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/search.smk"
include: "workflow/rules/screen.smk"
include: "workflow/rules/extract.smk"
include: "workflow/rules/meta.smk"
include: "workflow/rules/evidence.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/citations.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/notebooks.smk"


rule all:
    input:
        f"{RESULTS}/records.parquet",
        f"{RESULTS}/records.csv",
        rules.screen_records.output,
        rules.write_review_sheet.output,
        rules.measure_agreement.output,
        rules.harmonise_effects.output,
        rules.extract_candidates.output,
        rules.pool_effects.output,
        rules.review_estimates.output,
        rules.summarise_findings.output,
        rules.write_citations.output,
        rules.audit_references.output,
        rules.draw_prisma.output,
        rules.draw_figures.output,
        rules.write_report.output,
        NOTEBOOK_HTML,
        # live mode: also list the PMIDs added and removed since the previous snapshot
        f"{RESULTS}/pubmed/diff.json" if LIVE else [],
    default_target: True


# A missing input (deleted snapshot file, wrong path in config) stops the run here, naming the file.
check_inputs()


onstart:
    remove_stale_temp_files()


onsuccess:
    print_warnings(log)


onerror:
    print_failure_summary(log)
