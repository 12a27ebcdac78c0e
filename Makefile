# spinereview — every target runs inside .venv, which the first target that needs it creates.
# Targets mirror CI: .ci/run calls `make test`.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
CORES    ?= all
SNAKEMAKE := $(VENV)/bin/snakemake

.DEFAULT_GOAL := help
.PHONY: help run recover recover-search search test lint dryrun snapshot lock clean distclean

help:  ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Create the virtual environment and install the project with its pinned dependencies.
# Re-runs only when pyproject.toml or requirements.lock change.
# The build tools and lxml go in first: the compiled record builder (src/spinereview/pubmed/
# _fastrecord.pyx, optional: without a C compiler parsing stays pure Python) is built without
# isolation against the very lxml the pipeline runs with.
$(STAMP): pyproject.toml requirements.lock setup.py src/spinereview/pubmed/_fastrecord.pyx
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "spinereview needs Python >= 3.11 (set PYTHON=...)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock 'setuptools>=68' wheel Cython lxml
	$(PY) -m pip install --quiet --disable-pip-version-check --no-build-isolation -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)  ## Run the whole pipeline on the embedded snapshot (offline)
	$(SNAKEMAKE) --cores $(CORES)

recover: $(STAMP)  ## After a killed or interrupted run: release Snakemake's lock, redo unfinished jobs
	$(SNAKEMAKE) --unlock
	$(SNAKEMAKE) --cores $(CORES) --rerun-incomplete

recover-search: $(STAMP)  ## After a killed `make search`: release the lock, resume the live search where it stopped
	$(SNAKEMAKE) --unlock
	$(SNAKEMAKE) --cores $(CORES) --rerun-incomplete --config 'search={mode: live}'

search: $(STAMP)  ## Search PubMed live (needs NCBI_EMAIL; NCBI_API_KEY optional), then run the pipeline on it
	$(SNAKEMAKE) --cores $(CORES) --config 'search={mode: live}'

test: lint  ## Run the whole test suite (lint, unit, property, golden, workflow)
	$(VENV)/bin/pytest

lint: $(STAMP)  ## ruff (lint + format check) and snakemake --lint
	$(VENV)/bin/ruff check src tests benchmarks tools notebooks
	$(VENV)/bin/ruff format --check src tests benchmarks tools notebooks
	$(SNAKEMAKE) --lint

dryrun: $(STAMP)  ## Show what `make run` would do
	$(SNAKEMAKE) --cores $(CORES) --dry-run

snapshot: $(STAMP)  ## Rebuild data/pubmed/snapshot/ from data/evidence/ (byte-identical unless the facts changed)
	$(VENV)/bin/spinereview build-snapshot

lock: $(STAMP)  ## Re-pin requirements.lock from the current environment
	$(PY) -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^spinereview' > requirements.lock

clean:  ## Remove results/ and generated reports (keeps .venv)
	rm -rf results logs .snakemake
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +

distclean: clean  ## Also remove .venv
	rm -rf $(VENV)
