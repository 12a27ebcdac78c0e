# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Extraction audit
#
# **Every number that can enter a meta-analysis, next to where it came from.** For each included study
# this notebook shows its rows of the curated sheet (`data/extraction/effects.csv`: the numbers as read
# from the source page, the page and the place on it, the curator's flags) and the same rows after
# harmonisation by the `harmonise_effects` rule (`results/extraction/effects.parquet`: common scale
# and sign, standard error, time window, which row represents the study in a window, and the
# conversions applied, in words). It reads these files only; nothing is recomputed.
#
# What to look at:
#
# * `source_url` and `locator`: open the page and check the number;
# * `uncertain`: the curator was not sure (about half the rows) — the meta-analysis is re-run without
#   them (notebook 03, "sensitivity");
# * `pooling` / `not_poolable_reason`: why a row cannot be pooled (curator's exclusion, or no measure
#   of precision, or no common scale);
# * `conversions`: how a row was put on the common scale (negative = favours the injection);
# * `selected`: per study, outcome and window one row represents the study; the others say which row
#   does (`selection_note`).
#
# To question a number, correct the sheet, re-run `.venv/bin/snakemake --cores all` and re-run this
# notebook.

# %%
import os
from pathlib import Path

import pandas as pd
from IPython.display import display

from spinereview.config import load_config
from spinereview.extraction.run import read_effects
from spinereview.notebooks.view import filled, md, project_root, read_csv, read_json, table
from spinereview.pubmed.records import read_records

# %% tags=["parameters"]
# Paths relative to the repository root (the pipeline passes the ones of its run).
results_dir = "results"
reports_dir = "reports"
config_path = "config/config.yaml"
snapshot_dir = "data/pubmed/snapshot"

# %%
os.chdir(project_root())  # every path below is relative to the repository root
results = Path(results_dir)
config = load_config(config_path)
sheet_path = Path(config["extraction"]["sheet"])
sheet = read_csv(sheet_path)
effects = read_effects(results / "extraction" / "effects.parquet").to_pandas()
included = read_csv(results / "screening" / "included.csv")
# The study each sheet row belongs to after screening (a trial with several reports is one study).
study_of_row = dict(zip(effects["row_id"], effects["study_id"], strict=True))
print(f"curated sheet: {sheet_path} ({len(sheet)} rows); harmonised rows: {len(effects)}")

# %% [markdown]
# ## 1. Overview by study
#
# `rows` = sheet rows; `poolable` = rows with an effect, a measure of precision and a common scale
# that the curator did not exclude; `selected` = poolable rows that represent their study in a window.

# %%
summary = (
    effects.assign(used=effects["poolable"] & effects["selected"])
    .groupby("study_id")
    .agg(
        rows=("row_id", "size"),
        poolable=("poolable", "sum"),
        selected=("used", "sum"),
        uncertain=("uncertain", "sum"),
        included=("included", "first"),
    )
    .reset_index()
)
display(table(summary[summary["included"]], caption="Included studies with rows in the sheet"))
no_rows = sorted(set(included["study_id"]) - set(effects["study_id"]))
print(
    f"Included studies without any row in the sheet ({len(no_rows)}): {', '.join(no_rows) or 'none'}"
)
not_included = summary[~summary["included"]]
print(
    f"Sheet rows of studies that screening did not include: {int(not_included['rows'].sum())} rows "
    f"of {len(not_included)} studies ({', '.join(not_included['study_id'])}); they are harmonised "
    "but never pooled."
)

# %% [markdown]
# ## 2. Why rows cannot be pooled

# %%
display(
    table(
        effects[effects["included"]]
        .assign(reason=effects["not_poolable_reason"].fillna("").replace("", "(poolable)"))
        .groupby("reason")
        .size()
        .reset_index(name="rows")
        .sort_values("rows", ascending=False),
        caption="Rows of included studies by reason",
    )
)
display(
    table(
        sheet[filled(sheet, "pooling")],
        ["row_id", "study_id", "outcome", "timepoint_weeks", "measure", "pooling"],
        caption="Rows the curator excluded from pooling (sheet column `pooling`)",
    )
)

# %% [markdown]
# ## 3. Rows flagged uncertain
#
# `uncertain = yes` where the curator's note says the number is uncertain (derived, read from a figure,
# or ambiguous on the page). The note says why.

# %%
uncertain = sheet[sheet["uncertain"] == "yes"].assign(study=lambda f: f["row_id"].map(study_of_row))
display(
    table(
        uncertain,
        ["row_id", "study", "outcome", "timepoint_weeks", "measure", "estimate", "note"],
        caption=f"{len(uncertain)} of {len(sheet)} rows flagged uncertain",
    )
)

# %% [markdown]
# ## 4. Study by study: curated rows and harmonised values
#
# For each included study: first its rows **as curated** (columns that are empty for all its rows are
# left out), then the **harmonised** values (`scale`, `yi` and its `se` and CI on that scale, `window`,
# whether the row represents the study there, and the conversions in words).

# %%
SHEET_COLUMNS = [
    "row_id", "outcome", "instrument", "timepoint_weeks", "measure", "estimate", "ci_low", "ci_high",
    "p_value", "n_treat", "n_ctrl", "mean_treat", "sd_treat", "mean_ctrl", "sd_ctrl",
    "events_treat", "events_ctrl", "direction", "uncertain", "pooling", "source_url", "locator",
]  # fmt: skip
HARMONISED_COLUMNS = [
    "row_id", "scale", "window", "yi", "se", "ci_low", "ci_high", "selected", "poolable",
    "not_poolable_reason", "precision", "conversions", "selection_note",
]  # fmt: skip


def show_study(study_id):
    """The curated and harmonised rows of one study (a reviewer may call it for any study id)."""
    about = included[included["study_id"] == study_id]
    head = f"### {study_id}"
    if len(about):
        s = about.iloc[0].map(lambda v: "—" if pd.isna(v) else v)
        head += (
            f"\n\n{s['intervention']} vs {s['comparator']}; {s['population']}; "
            f"n randomised {s['n_randomised']}; reports: {s['publication_ids']}; PMID(s): {s['pmids']}"
        )
    display(md(head))
    row_ids = effects.loc[effects["study_id"] == study_id, "row_id"]
    rows = sheet[sheet["row_id"].isin(row_ids)]
    if rows.empty:
        display(md("_No row in the curated sheet: nothing from this study can be pooled._"))
        return
    shown = [c for c in SHEET_COLUMNS if c in ("row_id", "uncertain") or rows[c].notna().any()]
    display(table(rows, shown, caption="Curated sheet rows"))
    display(
        table(effects[effects["study_id"] == study_id], HARMONISED_COLUMNS, caption="Harmonised")
    )


for study_id in sorted(included["study_id"]):
    show_study(study_id)

# %% [markdown]
# ## 5. Automatic candidates and their cross-check with the sheet
#
# The `extract_candidates` rule finds effect statements in the abstracts (estimates, CIs, arm
# statistics, follow-up times — stored as character offsets, never as text) and compares every curated
# row with them (`agrees`, `sign_reversed`, `not_found`, `candidate_not_in_sheet`). Candidates never
# enter a meta-analysis unless a curator adds them to the sheet (section 6).

# %%
records = read_records(results / "records.parquet").to_pylist()
with_abstract = [r["pmid"] for r in records if (r["abstract"] or "").strip()]
candidates = read_csv(results / "extraction" / "candidates.csv")
crosscheck = read_csv(results / "extraction" / "crosscheck.csv")
manifest = read_json(Path(snapshot_dir) / "manifest.json")
print(f"{len(with_abstract)} of {len(records)} records have an abstract")
print(f"{len(candidates)} candidate(s), {len(crosscheck)} cross-check row(s)")
if not with_abstract:
    print(
        "The embedded snapshot has NO abstracts (its provenance: "
        f"'{manifest['provenance']}'), so there is nothing to extract, cross-check or draft: "
        "candidates.csv, crosscheck.csv and draft_rows.csv hold only their header. A live search "
        "(`make search`) fills them."
    )

# %%
if len(crosscheck):
    display(
        table(
            crosscheck.groupby("status").size().reset_index(name="rows"),
            caption="Cross-check by status",
        )
    )
    checked = crosscheck.assign(study=crosscheck["row_id"].map(study_of_row))
    display(
        table(
            checked.sort_values(["pmid", "row_id"]),
            ["pmid", "study", "row_id", "status", "candidate_index", "detail"],
            caption="Every cross-check row (candidate_index points into candidates.csv of that PMID)",
        )
    )
    display(
        table(
            candidates.groupby(["pmid", "kind"]).size().reset_index(name="candidates"),
            caption="Candidates per record and kind",
        )
    )
else:
    print("No cross-check rows to show.")

# %% [markdown]
# ## 6. Draft sheet rows and the curation loop
#
# `results/extraction/draft_rows.csv` lays every effect candidate out as a row of the curated sheet:
# the sheet's columns (study, PMID, outcome, instrument, timepoint, measure, estimate, CI, exact p,
# `source_url` = the PubMed page, `locator` = abstract section and character offsets) filled where
# the abstract says so, plus `draft_id`, `candidate_ids` (PMID:index into candidates.csv),
# `confidence` (high / medium / low: how many of the sheet's facts are missing or flagged, listed in
# `note`) and `status` (always `draft`). Numbers and offsets only, never a sentence of the abstract.
# **A draft row is never pooled**: the meta-analysis reads `data/extraction/effects.csv` alone.
#
# The curation loop:
#
# 1. open the draft's `source_url`, read the statement at `locator`, check every number against the
#    paper, and fill what the abstract could not give (a VAS range, the timepoint, the study id);
# 2. copy the draft's sheet columns (not `draft_id` … `status`) into `data/extraction/effects.csv`
#    with the next free `row_id` (E093, …) and set `uncertain`;
# 3. re-run the pipeline: the sheet is validated, the row is harmonised and pooled like any curated
#    row, and `crosscheck.csv` shows its candidate as `agrees` (it is no longer listed as
#    `candidate_not_in_sheet`).

# %%
drafts = read_csv(results / "extraction" / "draft_rows.csv")
if len(drafts):
    display(
        table(
            drafts.groupby("confidence").size().reset_index(name="draft rows"),
            caption="Draft sheet rows by confidence",
        )
    )
    display(
        table(
            drafts,
            ["draft_id", "study_id", "pmid", "outcome", "instrument", "timepoint_weeks",
             "measure", "estimate", "ci_low", "ci_high", "locator", "confidence", "note"],
            caption="Every draft row (status: draft; never pooled)",
        )
    )  # fmt: skip
else:
    print(
        "No draft sheet rows: no abstract holds an effect statement"
        + (" (the embedded snapshot has no abstracts)." if not with_abstract else ".")
        + " The curation loop above applies once a live search brings abstracts."
    )
