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
# # 03 · Meta-analysis
#
# **What was pooled, how, and how much the answer depends on the choices.** For every analysis
# configured in `config/config.yaml` (`meta.analyses`) this notebook shows the model, the pooled
# effect per follow-up window with its confidence and prediction intervals and heterogeneity, the
# studies behind it (with weights), the forest plot, leave-one-out, subgroups, small-study checks,
# the estimators DL / REML / PM with the Hartung–Knapp–Sidik–Jonkman (HKSJ, `knha`) and the z-test
# side by side, and the re-run without rows the curator flagged uncertain.
#
# Everything is read from `results/meta/` (written by the `pool_effects` rule) and the forest plots
# from `reports/figures/` (written by the figures rule); nothing is refitted here.
#
# How to read the numbers: effects are differences **injection minus control**; **negative favours the
# injection**. Pain and disability are on a 0–100 scale; responders as a risk difference in percentage
# points. Signs in words: pain — negative = less pain with the injection; disability — negative = less
# disability with the injection; responders — negative = more responders with the injection.
# `k` = studies, `n` = participants, `PI` = 95% prediction interval (where the effect of a new
# study would lie; shown only from k = 3, `meta.prediction_interval_min_k`), `tau²` = between-study
# variance, `I²` = share of variation beyond chance; "—" = not defined for the cell (no tau², I², Q
# or PI for a single study). With two or three studies, tau² and I² are very imprecise — look at
# their intervals. With k = 2, the HKSJ interval uses a t distribution with 1 degree of freedom
# (critical value 12.7) and is very wide. Numbers are rounded by the policy in the README
# ("Rounding"); the analysis JSON files keep full precision.
#
# To change a choice (estimator, test, windows, outcomes), edit `meta` in the config, re-run
# `.venv/bin/snakemake --cores all`, then this notebook.

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
meta_dir = Path(results_dir) / "meta"
figures_dir = Path(reports_dir) / "figures"
config = load_config(config_path)
analysis_ids = [a["id"] for a in config["meta"]["analyses"]]
analyses = {aid: read_json(meta_dir / "analyses" / f"{aid}.json") for aid in analysis_ids}
pooled = read_csv(meta_dir / "pooled.csv")
loo = read_csv(meta_dir / "loo.csv")
subgroups = read_csv(meta_dir / "subgroups.csv")
bias = read_csv(meta_dir / "bias.csv")
estimators = read_csv(meta_dir / "estimators.csv")
print(f"{len(analysis_ids)} configured analyses: {', '.join(analysis_ids)}")

# %% [markdown]
# ## 1. Model choices
#
# Defaults from `meta` in the config, as the `pool_effects` rule recorded them in each analysis's JSON;
# an analysis may set its own `method` (tau² estimator; `EE` = common effect) and `test` (`knha` = HKSJ,
# `z`, `t`, `adhoc`). REML with HKSJ is the default because most comparisons have 2–6 trials and the
# z-test's intervals are then too narrow.

# %%
settings = analyses[analysis_ids[0]]["settings"]
display(
    table(
        [{"setting": k, "value": v} for k, v in sorted(settings.items())], caption="meta settings"
    )
)
display(
    table(
        [
            {
                "analysis": aid,
                "title": a["analysis"]["title"]["en"],
                "method": a["analysis"].get("method", a["settings"]["method"]),
                "test": a["analysis"].get("test", a["settings"]["test"]),
                "scale": a["analysis"]["scale"],
                "interventions": ", ".join(a["analysis"]["interventions"]),
                "comparators": ", ".join(a["analysis"]["comparators"]),
                "outcomes (priority order)": ", ".join(a["analysis"]["outcomes"]),
                "subgroups": ", ".join(a["analysis"].get("subgroups", [])),
            }
            for aid, a in analyses.items()
        ],
        caption="Analyses",
    )
)

# %% [markdown]
# ## 2. Overview: every analysis × window with at least one study (main run)

# %%
POOLED_COLUMNS = [
    "window",
    "k",
    "n",
    "estimate",
    "CI",
    "PI",
    "tau²",
    "tau² CI",
    "I² (%)",
    "I² CI",
    "Q",
    "Q df",
    "Q p",
]


def pooled_view(frame):
    """pooled.csv rows with intervals written as [low, high]; "—" for a statistic the cell does
    not have (no PI below k = 3, no tau², I² or Q for a single study)."""
    k = frame["k"]

    def pairs(low, high):
        return [interval(a, b) for a, b in zip(frame[low], frame[high], strict=True)]

    return frame.assign(
        CI=pairs("ci_low", "ci_high"),
        PI=dashed(pairs("pi_low", "pi_high"), k),
        **{
            "tau²": dashed(frame["tau2"], k),
            "tau² CI": dashed(pairs("tau2_ci_low", "tau2_ci_high"), k),
            "I² (%)": dashed(frame["i2"], k),
            "I² CI": dashed(pairs("i2_ci_low", "i2_ci_high"), k),
            "Q": dashed(frame["q"], k),
            "Q df": dashed(frame["q_df"], k),
            "Q p": dashed(frame["q_p"], k),
        },
    )


main = pooled[(pooled["run"] == "main") & (pooled["k"] > 0)]
display(
    table(
        pooled_view(main),
        ["analysis", *POOLED_COLUMNS, "method", "test", "studies"],
        caption="pooled.csv, main run, k ≥ 1",
    )
)

# %% [markdown]
# ## 3. Analysis by analysis
#
# For each analysis: the pooled table by window (all windows, including those without data and the
# reason), the studies of each window with their weights, the forest plot, leave-one-out (from k ≥ 3),
# subgroups (with the test for subgroup differences), small-study checks (Egger, trim-and-fill: only
# from k ≥ 10), estimators and tests side by side, and the sensitivity run without uncertain rows.

# %%
STUDY_COLUMNS = [
    "study_id",
    "row_id",
    "outcome",
    "instrument",
    "timepoint_weeks",
    "yi",
    "CI",
    "weight_percent",
    "n_treat",
    "n_ctrl",
    "uncertain",
    "source_url",
    "locator",
]


def estimator_view(frame):
    """estimators.csv with one row per window and estimator and the tests side by side."""
    rows = []
    for (window, method), group in frame.groupby(["window", "method"], sort=False):
        row = {
            "window": window,
            "method": method,
            "k": group["k"].iloc[0],
            "tau²": dashed(group["tau2"].iloc[:1], group["k"].iloc[:1])[0],
            "I² (%)": dashed(group["i2"].iloc[:1], group["k"].iloc[:1])[0],
        }
        for _, r in group.iterrows():
            row[f"{r['test']}: estimate"] = r["estimate"]
            row[f"{r['test']}: CI"] = interval(r["ci_low"], r["ci_high"])
            row[f"{r['test']}: PI"] = interval(r["pi_low"], r["pi_high"]) or "—"
            row[f"{r['test']}: CI excludes 0"] = r["excludes_null"]
        row["notes"] = "; ".join(sorted(set(group["note"].dropna())))
        rows.append(row)
    return rows


def sensitivity_view(frame):
    """Main run and the run without uncertain rows side by side, per window."""
    rows = []
    for window, group in frame.groupby("window", sort=False):
        row = {"window": window}
        for _, r in group.iterrows():
            label = "main" if r["run"] == "main" else "without uncertain"
            row[f"{label}: k"] = r["k"]
            row[f"{label}: estimate"] = r["estimate"]
            row[f"{label}: CI"] = interval(r["ci_low"], r["ci_high"])
            row[f"{label}: studies"] = r["studies"]
        row["notes (without uncertain)"] = (
            group.loc[group["run"] != "main", "notes"].iloc[0]
            if (group["run"] != "main").any()
            else ""
        )
        rows.append(row)
    return rows


def show_analysis(aid):
    """Everything pool_effects wrote for one analysis (a reviewer may call it for any id)."""
    result = analyses[aid]
    spec = result["analysis"]
    method = spec.get("method", result["settings"]["method"])
    test = spec.get("test", result["settings"]["test"])
    level = result["settings"]["level"]
    limit = result["settings"].get("tau2_max") or "metafor's default"
    display(
        md(
            f"### {aid}\n\n**{spec['title']['en']}** ({spec['title']['de']})  \n"
            f"scale `{spec['scale']}`; model: `{method}` with `{test}`; level {level}; "
            f"tau² search limit: {limit} (a bound beyond it shows as `>limit`)"
        )
    )
    rows = pooled[(pooled["analysis"] == aid) & (pooled["run"] == "main")]
    display(
        table(
            pooled_view(rows),
            [*POOLED_COLUMNS, "studies", "row_ids", "notes"],
            caption="Pooled effect by window",
        )
    )
    for window in spec["windows"]:
        studies = result["windows"][window]["main"]["studies"]
        if studies:
            display(
                table(
                    [{**s, "CI": interval(s["ci_low"], s["ci_high"])} for s in studies],
                    STUDY_COLUMNS,
                    caption=f"Studies in window '{window}'",
                )
            )
    display(figure(names.reader_figure(figures_dir, names.forest_name(aid), config["figures"])))
    language = names.reader_language(names.languages_of(config["figures"]))
    # funnel plots are drawn only where k >= 10
    for funnel in figure_files(figures_dir / "funnel", f"*{aid}*.{language}.png"):
        display(md(f"Funnel plot `{funnel.as_posix()}`"), figure(funnel))
    display(table(loo[loo["analysis"] == aid], caption="Leave-one-out"))
    display(
        table(
            subgroups[subgroups["analysis"] == aid],
            caption="Subgroups (factor 'window' is descriptive: windows share studies)",
        )
    )
    display(
        table(
            bias[bias["analysis"] == aid],
            [
                "window",
                "check",
                "applicable",
                "reason",
                "k",
                "statistic",
                "p",
                "k0",
                "adjusted_estimate",
            ],
            caption="Small-study checks (Egger's test, trim-and-fill; only from k ≥ 10)",
        )
    )
    display(
        table(
            estimator_view(estimators[estimators["analysis"] == aid]),
            caption="Estimators (rows) × tests (columns): knha = HKSJ",
        )
    )
    display(
        table(
            sensitivity_view(pooled[pooled["analysis"] == aid]),
            caption="Sensitivity: main run vs without rows flagged uncertain",
        )
    )


# %%
for aid in analysis_ids:
    show_analysis(aid)
