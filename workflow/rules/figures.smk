# Stage 6: figures — forest plots, the article figure, funnel plots, PRISMA flow, risk of bias;
# every figure once per language of figures.languages, with its alt text beside it. The PRISMA flow
# is drawn on its own as soon as the screening is done, so that the screening notebook need not
# wait for the pooling and the other figures.
from spinereview.figures import names as fignames

FIGURES_DIR = "reports/figures"
FIGURE_NAMES = fignames.figure_names(config["meta"])
FIGURE_LANGUAGES = fignames.languages_of(config["figures"])
FIGURE_FORMATS = config["figures"]["formats"]
FORESTS = [n for n in FIGURE_NAMES if n.startswith("forest_")]


rule draw_prisma:
    input:
        prisma=f"{RESULTS}/screening/prisma.json",
    output:
        prisma=update(
            report(
                fignames.figure_paths(FIGURES_DIR, [fignames.PRISMA], FIGURE_LANGUAGES, FIGURE_FORMATS),
                caption="../report/prisma.rst",
                category="Figures",
                subcategory="PRISMA 2020",
            )
        ),
        alt=update([f"{FIGURES_DIR}/{fignames.alt_name(fignames.PRISMA, lang)}" for lang in FIGURE_LANGUAGES]),
    params:
        settings=config_json(config["figures"], sort_keys=True, ensure_ascii=False),
        out_dir=lambda wildcards, output: os.path.dirname(output.alt[0]),
        cli=SPINEREVIEW,
    log:
        "logs/figures/draw_prisma.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} draw-prisma --prisma {input.prisma:q} --settings {params.settings:q}"
        " --out-dir {params.out_dir:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"


rule draw_figures:
    input:
        pooled=f"{RESULTS}/meta/pooled.csv",
        analyses=expand(
            f"{RESULTS}/meta/analyses/{{analysis}}.json",
            analysis=[a["id"] for a in config["meta"]["analyses"]],
        ),
        included=f"{RESULTS}/screening/included.csv",
        reviews=rules.review_estimates.output[0],
        findings=rules.summarise_findings.output[0],
        rob=lambda wildcards: optional_input(ROB_SHEET),
    output:
        forest=update(
            report(
                fignames.figure_paths(FIGURES_DIR, FORESTS, FIGURE_LANGUAGES, FIGURE_FORMATS),
                caption="../report/forest.rst",
                category="Figures",
                subcategory="Forest plots",
            )
        ),
        article=update(
            report(
                fignames.figure_paths(FIGURES_DIR, [fignames.ARTICLE], FIGURE_LANGUAGES, FIGURE_FORMATS),
                caption="../report/article.rst",
                category="Figures",
                subcategory="Article figure",
            )
        ),
        evidence_map=update(
            report(
                fignames.figure_paths(FIGURES_DIR, [fignames.EVIDENCE_MAP], FIGURE_LANGUAGES, FIGURE_FORMATS),
                caption="../report/evidence_map.rst",
                category="Figures",
                subcategory="Evidence map",
            )
        ),
        caption=update([f"{FIGURES_DIR}/{fignames.caption_name(lang)}" for lang in FIGURE_LANGUAGES]),
        alt=update(
            [
                f"{FIGURES_DIR}/{fignames.alt_name(name, lang)}"
                for name in FIGURE_NAMES
                if name != fignames.PRISMA
                for lang in FIGURE_LANGUAGES
            ]
        ),
        funnel=update(directory(f"{FIGURES_DIR}/{fignames.FUNNEL_DIR}")),
        rob=update(directory(f"{FIGURES_DIR}/{fignames.ROB_DIR}")),
    params:
        settings=config_json(config["figures"], sort_keys=True, ensure_ascii=False),
        meta=config_json(config["meta"], sort_keys=True, ensure_ascii=False),
        windows=config_json(config["extraction"]["windows"], sort_keys=True),
        analyses_dir=lambda wildcards, input: os.path.dirname(input.analyses[0]),
        rob_sheet=optional_path("rob", ROB_SHEET),
        out_dir=lambda wildcards, output: os.path.dirname(output.caption[0]),
        cli=SPINEREVIEW,
    # The languages (and the funnel and RoB plots) are drawn in two processes, same bytes. The job
    # asks Snakemake for one core all the same: asking for two, it waited until no other job ran,
    # while a notebook on the other core took seconds to finish (a clean run on 2 cores took 30 s
    # instead of 24). On a cluster the profiles give it its two CPUs (cpus_per_task).
    threads: 1
    # on the path to the figures, which the slowest jobs (notebooks, report) wait for
    priority: 10
    log:
        "logs/figures/draw_figures.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} draw-figures --no-prisma --pooled {input.pooled:q} --analyses-dir {params.analyses_dir:q}"
        " --included {input.included:q} --reviews {input.reviews:q}"
        " --findings {input.findings:q}"
        " --rob-sheet {params.rob_sheet:q}"
        " --settings {params.settings:q} --meta-settings {params.meta:q}"
        " --windows {params.windows:q} --out-dir {params.out_dir:q} --jobs 2 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
