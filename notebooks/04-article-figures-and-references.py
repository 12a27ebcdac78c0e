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
# # 04 · The article's figures and its references
#
# **What the readers of the article see, and whether its references hold.** This notebook shows the
# article figure in every language the figures rule drew (`reports/figures/article*.png`) with its
# alt text and captions, the pooled numbers they are drawn from, the threshold of clinical importance
# (MCID) drawn on them with its kind and source, and the audit of the article's own references
# (`reports/citations/audit.json`). It draws nothing and computes nothing: a missing file is
# reported as missing.
#
# What to look at:
#
# * the figure: the published reviews' estimates and this review's pooled cells on pain (0–100) by
#   follow-up window per injection class, against the MCID band — is the benefit small and short-lived?
# * the certainty of every own cell (GRADE, with reasons) and of every review (as reported);
# * the MCID: a judgement of this review (see `kind`), not a consensus value;
# * the reference audit: for each reference the verdict (match / partial / mismatch / unresolved) and
#   its reasons.

# %%
import os
from pathlib import Path

from IPython.display import display

from spinereview.config import load_config
from spinereview.figures import names
from spinereview.notebooks.view import (
    dashed,
    figure,
    figure_files,
    interval,
    md,
    project_root,
    read_csv,
    read_json,
    table,
)

# %% tags=["parameters"]
# Paths relative to the repository root (the pipeline passes the ones of its run).
results_dir = "results"
reports_dir = "reports"
config_path = "config/config.yaml"
snapshot_dir = "data/pubmed/snapshot"

# %%
os.chdir(project_root())  # every path below is relative to the repository root
figures_dir = Path(reports_dir) / "figures"
audit_path = Path(reports_dir) / "citations" / "audit.json"
config = load_config(config_path)

# %% [markdown]
# ## 1. The article figure(s)

# %%
article_figures = figure_files(figures_dir, "article*.png")
if not article_figures:
    print(
        f"No article figure yet: {figures_dir.as_posix()}/article*.png does not exist. It is written by "
        "the figures rule (`.venv/bin/snakemake --cores all`); nothing is drawn here instead."
    )
for path in article_figures:  # one per language: article_pain_by_window.<language>.png
    name, language = path.stem.rsplit(".", 1)
    display(md(f"**`{path.as_posix()}`**"))
    display(figure(path))
    alt_text, plain = names.read_alt(figures_dir, name, language)
    display(md(f"*Alt text ({names.alt_name(name, language)}):* {alt_text}"))
    display(md(f"*Plain-language caption:* {plain}"))
    caption = figures_dir / names.caption_name(language)
    if caption.is_file():
        display(md(f"*Caption ({caption.name}):* {caption.read_text(encoding='utf-8').strip()}"))

# %% [markdown]
# The evidence map: every comparison × window, coloured by certainty (this review's GRADE rating;
# hatched: as a published review reported it).
# %%
maps = figure_files(figures_dir, "evidence_map.*.png")
if not maps:
    print(f"No evidence map yet: {figures_dir.as_posix()}/evidence_map.*.png does not exist.")
for path in maps:
    display(figure(path))
# %% [markdown]
# ## 2. The numbers behind the figure
#
# Pain analyses (scale `pain_0_100`) from `results/meta/pooled.csv`, main run, windows with at least one
# study. Negative values favour the injection (negative = less pain with the injection); compare the
# interval with the MCID below. "—" = not defined: no prediction interval below k = 3, no I² for a
# single study.

# %%
pooled = read_csv(Path(results_dir) / "meta" / "pooled.csv")
pain = pooled[(pooled["run"] == "main") & (pooled["scale"] == "pain_0_100") & (pooled["k"] > 0)]
display(
    table(
        pain.assign(
            CI=[interval(a, b) for a, b in zip(pain["ci_low"], pain["ci_high"], strict=True)],
            PI=dashed(
                [interval(a, b) for a, b in zip(pain["pi_low"], pain["pi_high"], strict=True)],
                pain["k"],
            ),
            i2=dashed(pain["i2"], pain["k"]),
        ),
        ["analysis", "window", "k", "n", "estimate", "CI", "PI", "i2", "studies"],
        caption="Pooled pain effects (0–100), main run",
    )
)

# %% [markdown]
# ## 2b. The published reviews beside them
#
# `results/reviews/estimates.csv`: every result of the published reviews, harmonised to this review's
# scale and sign (VAS 0–10 cm × 10). The first table is what the figure draws; the second lists every
# other estimate with the reason it is not drawn (not verified, uncertain, another scale, no steroid).
# %%
reviews = read_csv(Path(results_dir) / "reviews" / "estimates.csv")
estimates = reviews[reviews["kind"] == "estimate"]
estimates = estimates.assign(
    CI=[interval(a, b) for a, b in zip(estimates["ci_low"], estimates["ci_high"], strict=True)]
)
columns = ["review_row", "label_en", "article_class", "window", "window_fit", "k", "n", "estimate",
           "CI", "certainty", "certainty_system"]  # fmt: skip
drawn = estimates[estimates["in_figure"].astype(str).str.lower() == "true"]
display(table(drawn, columns, caption="Published reviews drawn on the article figure"))
left_out = estimates[estimates["in_figure"].astype(str).str.lower() != "true"]
display(table(left_out, ["review_row", "label_en", "outcome", "scale", "window", "estimate", "CI",
                         "status", "figure_reason"], caption="Not drawn, with the reason"))  # fmt: skip
# %% [markdown]
# ## 2c. Summary of findings: certainty of this review's own cells
#
# `results/evidence/summary_of_findings.csv`: a GRADE certainty for every cell with at least one study,
# by the rules of `grade:` in the config, with the domains that lowered it and GRADE's plain-language
# statement.
# %%
findings = read_csv(Path(results_dir) / "evidence" / "summary_of_findings.csv")
rated = findings[findings["certainty"].astype(str).isin(["high", "moderate", "low", "very_low"])]
display(table(rated, ["analysis", "window", "k", "n", "estimate", "certainty", "downgrades",
                      "statement_en"], caption="Certainty of every own cell with k ≥ 1"))  # fmt: skip
# %% [markdown]
# ## 3. The minimal clinically important difference (MCID)
#
# From `figures.mcid` in the config: the value drawn as a band on the article figure and used in the
# report's plain-language verdicts, what kind of threshold it is, and its source.

# %%
mcid = config["figures"]["mcid"]
display(
    table(
        [
            {"field": "value", "value": f"{mcid['value']} points on the 0–100 pain scale"},
            {"field": "kind", "value": mcid["kind"]},
            {"field": "source", "value": mcid["source"]},
        ],
        caption="figures.mcid",
    )
)

# %% [markdown]
# ## 4. The article's references: audit
#
# For each reference in `data/article/references.yaml` the audit rule resolves it (a PubMed record, or a
# guideline by its number), compares the cited year, identifier and claim with the record and with the
# pooled results, and gives a verdict with reasons.


# %%
def _text(value):
    """A value of audit.json as one line of text (lists joined, mappings as key: value)."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return "" if value is None else str(value)


if audit_path.is_file():
    audit = read_json(audit_path)
    entries = audit["references"] if isinstance(audit, dict) and "references" in audit else audit
    if isinstance(audit, dict):
        print(f"mode: {audit.get('mode', '?')}; summary: {_text(audit.get('summary', ''))}")
    overview_keys = ["id", "cited_as", "claim", "resolved", "verdict", "expected_verdict"]
    display(
        table(
            [{k: _text(e.get(k)) for k in overview_keys if k in e} for e in entries],
            caption=f"{audit_path.as_posix()}: one row per reference of the article",
        )
    )
    for entry in entries:
        display(md(f"**{entry.get('id', '?')}** — verdict `{entry.get('verdict', '?')}`"))
        if entry.get("checks"):
            display(table(entry["checks"], caption="Checks"))
        else:
            display(md("Reasons: " + (_text(entry.get("reasons")) or "none given")))
else:
    print(
        f"The reference audit is missing: {audit_path.as_posix()} does not exist. It is written by "
        "the citations rule (`.venv/bin/snakemake --cores all`)."
    )

# %% [markdown]
# ## 5. All figure files
#
# Every PNG the figures rule wrote, for reference (forest plots are shown in notebook 03, the PRISMA
# diagram in notebook 01).

# %%
files = figure_files(figures_dir, "*.png")
print(
    "\n".join(p.as_posix() for p in files)
    if files
    else f"No figures in {figures_dir.as_posix()}/ yet."
)
