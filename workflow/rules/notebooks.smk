# Reviewer notebooks: each executed in a fresh kernel after the stages it reads, rendered to HTML.
# A notebook's inputs are the results it reads and the figures/audit it shows that some rule of the
# workflow writes (looked up among all rules' outputs, so it runs after the figures and citations).
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
                [str(path) for rule in workflow.rules for path in rule.output],
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
        cli=SPINEREVIEW,
    wildcard_constraints:
        notebook="|".join(NOTEBOOKS),
    log:
        "logs/notebooks/{notebook}.log",
    conda:
        "../../environment.yml"
    shell:
        "{params.cli} run-notebook {input.notebook:q} --parameters {params.parameters:q}"
        " --html {output.html:q} --ipynb {output.ipynb:q} 2> {log:q} || {{ rc=$?; cat {log:q} >&2; exit $rc; }}"
