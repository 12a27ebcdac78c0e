# Reviewer notebooks: each executed in a fresh kernel after the stages it reads, rendered to HTML.
# A notebook's inputs are the results it reads and the figures/audit it shows that some rule of the
# workflow writes (looked up among all rules' outputs, so it runs after the figures and citations).
# Notebooks 01 and 02 also read the snapshot's manifest, and 02 the curated effect sheet.
from spinereview.notebooks import NOTEBOOKS
from spinereview.notebooks.workflow import notebook_inputs

# For rule all: every notebook rendered to reports/notebooks/<name>.html.
NOTEBOOK_HTML = expand("reports/notebooks/{notebook}.html", notebook=NOTEBOOKS)


rule render_notebook:
    input:
        unpack(
            lambda wildcards: notebook_inputs(
                wildcards.notebook,
                RESULTS,
                [a["id"] for a in config["meta"]["analyses"]],
                [workflow_path(path) for rule in workflow.rules for path in rule.output],
                # the snapshot's manifest (01, 02) and the curated effect sheet (02)
                {"snapshot": snapshot_manifest(wildcards), "sheet": config["extraction"]["sheet"]},
            )
        ),
        notebook="notebooks/{notebook}.py",
        config="config/config.yaml",
    output:
        html=update("reports/notebooks/{notebook}.html"),
        ipynb=update("reports/notebooks/{notebook}.ipynb"),
    params:
        parameters=json.dumps(
            {
                "results_dir": RESULTS,
                "reports_dir": "reports",
                "config_path": "config/config.yaml",
                "snapshot_dir": SNAPSHOT,
            },
            sort_keys=True,
        ),
        root=lambda wildcards, input: notebook_root(input),
        notebook=lambda wildcards, input: os.path.relpath(input.notebook, notebook_root(input)),
        cli=SPINEREVIEW,
    wildcard_constraints:
        notebook="|".join(NOTEBOOKS),
    log:
        "logs/notebooks/{notebook}.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} run-notebook {params.notebook:q} --cwd {params.root:q} --parameters {params.parameters:q}"
        " --html {output.html:q} --ipynb {output.ipynb:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
