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
# # 01 · Search and screening
#
# This notebook walks through **which records the review found and why each was kept or left out**.
# It reads only files that the pipeline's rules wrote (`results/pubmed/`, `results/records.parquet`,
# `results/screening/`) and the manifest of the snapshot that was searched; it recomputes nothing.
#
# What to look at:
#
# 1. the PubMed queries, and where the records came from (the manifest's provenance and date);
# 2. whether every file of the snapshot passed its SHA-256 check;
# 3. the PRISMA 2020 counts — and the check below that they add up;
# 4. every excluded record with the criterion it failed;
# 5. the included studies, the duplicates that were removed, and trials reported in several papers;
# 6. how far the rules agree with a human screener (Cohen's kappa; PRISMA 2020 item 8).
#
# To question an assumption, change the protocol in `config/config.yaml` (section `screening`), re-run
# `.venv/bin/snakemake --cores all`, and re-run this notebook.

# %%
import os
from collections import Counter
from pathlib import Path

from IPython.display import display

from spinereview.config import load_config
from spinereview.figures import names
from spinereview.notebooks.view import (
    figure,
    filled,
    interval,
    md,
    project_root,
    read_csv,
    read_json,
    table,
)
from spinereview.pubmed.records import read_records
from spinereview.screening.review import contingency_rows

# %% tags=["parameters"]
# Paths relative to the repository root (the pipeline passes the ones of its run).
results_dir = "results"
reports_dir = "reports"
config_path = "config/config.yaml"
snapshot_dir = "data/pubmed/snapshot"

# %%
os.chdir(project_root())  # every path below is relative to the repository root
results = Path(results_dir)
screening = results / "screening"
config = load_config(config_path)
manifest = read_json(Path(snapshot_dir) / "manifest.json")
verified = read_json(results / "pubmed" / "snapshot_verified.json")
prisma = read_json(screening / "prisma.json")
decisions = read_csv(screening / "decisions.csv")
print(f"search mode: {config['search']['mode']}; snapshot: {snapshot_dir}")

# %% [markdown]
# ## 1. The queries
#
# One PubMed query per injection family; `id` names the query everywhere (file names, manifest,
# records table). The term is the search string exactly as it is sent to PubMed's esearch.

# %%
for query in config["search"]["queries"]:
    display(md(f"**`{query['id']}`**\n\n```\n{query['term']}\n```"))

# %% [markdown]
# ## 2. The snapshot: date, provenance, counts and checksums
#
# `provenance` says how the files were made. The embedded snapshot was **rebuilt offline from verified
# bibliographic facts** (no abstracts), not downloaded by running the terms above; a live search
# (`make search`) writes a dated snapshot whose provenance is `NCBI E-utilities`.
# The `verify_snapshot` rule recomputed each file's SHA-256 and counted its records; `sha256 ok`
# is its verdict, `matches manifest` compares the two hashes shown.

# %%
display(
    table(
        [
            {"field": key, "value": manifest.get(key, "")}
            for key in (
                "retrieval_date",
                "database",
                "provenance",
                "provenance_detail",
                "generator",
            )
        ],
        caption="manifest.json",
    )
)
display(
    table(
        [
            {
                "query": q["id"],
                "file": q["file"],
                "retrieval date": q["retrieval_date"],
                "esearch count": q["esearch_count"],
                "PMIDs in manifest": len(q["pmids"]),
                "records verified": verified.get(q["id"], {}).get("records", ""),
                "sha256 ok": verified.get(q["id"], {}).get("ok", "not verified"),
                "matches manifest": verified.get(q["id"], {}).get("sha256") == q["sha256"],
                "sha256": q["sha256"][:16] + "…",
            }
            for q in manifest["queries"]
        ],
        caption="Queries of the snapshot and the result of the checksum verification",
    )
)

# %% [markdown]
# ## 3. The records table
#
# `results/records.parquet` has one row per PMID; a record found by several queries is one row that
# lists every query. `flags` marks what is missing in a record.

# %%
records = read_records(results / "records.parquet").to_pylist()
per_query = Counter(q for r in records for q in r["query_ids"])
flags = Counter(f for r in records for f in r["flags"])
print(f"{len(records)} records (one per PMID)")
# PMIDs esearch found whose record efetch never sent (live search; the manifest's `withheld`):
# not in the records table, counted in PRISMA as identified and as reports not retrieved
for q in manifest["queries"]:
    if q.get("withheld"):
        print(f"query {q['id']}: withheld by PubMed, not retrieved: {', '.join(q['withheld'])}")
display(
    table(
        [{"query": q, "records": n} for q, n in sorted(per_query.items())],
        caption="Records per query",
    )
)
display(
    table([{"flag": f, "records": n} for f, n in sorted(flags.items())], caption="Record flags")
)

# %% [markdown]
# ## 4. PRISMA 2020 counts
#
# Every box of the flow diagram, for both columns: records from the databases (PubMed) and records
# identified by other methods (verified publications without a verified PMID). The screening rule
# refuses to write counts that do not reconcile; the table after it repeats that check here so a
# reviewer can see it.

# %%
rows = []
for column in ("databases", "other_methods"):
    for key, value in prisma[column].items():
        if isinstance(value, dict):
            for reason, n in sorted(value.items()):
                rows.append({"column": column, "box": f"{key}: {reason}", "count": n})
        else:
            rows.append({"column": column, "box": key, "count": value})
for source, counts in prisma["identification"].items():
    for name, value in counts.items():
        for query, n in (value if isinstance(value, dict) else {"": value}).items():
            box = " / ".join(part for part in ("identified", name, query) if part)
            rows.append({"column": source, "box": box, "count": n})
rows += [{"column": "included", "box": k, "count": v} for k, v in prisma["included"].items()]
display(table(rows, caption="prisma.json"))

# %%
checks = []
for column in ("databases", "other_methods"):
    c = prisma[column]
    checks += [
        (column, "identified − duplicates = screened",
         c["records_identified"] - c["duplicates_removed"], c["records_screened"]),
        (column, "duplicates removed = sum over keys",
         sum(c["duplicates_by_key"].values()), c["duplicates_removed"]),
        (column, "screened − excluded = reports sought",
         c["records_screened"] - c["records_excluded"], c["reports_sought"]),
        (column, "records excluded = sum of reasons",
         sum(c["records_excluded_reasons"].values()), c["records_excluded"]),
        (column, "sought − not retrieved = assessed",
         c["reports_sought"] - c["reports_not_retrieved"], c["reports_assessed"]),
        (column, "reports excluded = sum of reasons",
         sum(c["reports_excluded_reasons"].values()), c["reports_excluded"]),
        (column, "assessed − excluded − awaiting = included",
         c["reports_assessed"] - c["reports_excluded"] - c["reports_awaiting_classification"],
         c["reports_included"]),
    ]  # fmt: skip
identified_db = sum(sum(per.values()) for per in prisma["identification"]["databases"].values())
checks += [
    ("databases", "records identified = sum over queries",
     identified_db, prisma["databases"]["records_identified"]),
    ("both", "included reports = databases + other methods",
     prisma["databases"]["reports_included"] + prisma["other_methods"]["reports_included"],
     prisma["included"]["reports"]),
    ("both", "decisions.csv rows + records withheld by PubMed = records screened",
     len(decisions) + sum(prisma["databases"].get("reports_not_retrieved_reasons", {}).values()),
     prisma["databases"]["records_screened"] + prisma["other_methods"]["records_screened"]),
    ("both", "included studies = rows of included.csv",
     len(read_csv(screening / "included.csv")), prisma["included"]["studies"]),
]  # fmt: skip
check_rows = [
    {"column": col, "check": what, "computed": a, "reported": b, "adds up": a == b}
    for col, what, a, b in checks
]
display(table(check_rows, caption="Do the PRISMA counts add up?"))
failed = [r["check"] for r in check_rows if not r["adds up"]]
assert not failed, f"PRISMA counts do not add up: {failed}"
print("All PRISMA counts add up.")

# %%
# the diagram in the reader's language (English when drawn): prisma_flow.<language>.png
display(figure(names.reader_figure(Path(reports_dir) / "figures", names.PRISMA, config["figures"])))

# %% [markdown]
# ## 5. Exclusions and their reasons
#
# Each excluded record failed the first criterion of `screening.criteria` that it did not meet;
# `reason_detail` shows the evidence (publication type, or the class and the term that assigned it);
# for a text-based exclusion `evidence_phrase` is the phrase and `evidence_span` the sentence's offsets
# (start:end) in the screened text.
# `basis` columns say whether a class comes from the curated study sheet (`curated`, read from the
# paper) or from MeSH/title/abstract terms (`text`).

# %%
excluded = decisions[decisions["decision"] == "excluded"]
display(
    table(
        excluded.groupby(["stage", "reason"]).size().reset_index(name="records"),
        caption="Exclusions by stage and reason",
    )
)
display(
    table(
        excluded.sort_values(["stage", "reason", "record_id"]),
        [
            "record_id",
            "pmid",
            "year",
            "title",
            "stage",
            "reason",
            "reason_detail",
            "evidence_phrase",
            "evidence_span",
        ],
        caption="Every excluded record",
    )
)

# %%
awaiting = decisions[decisions["decision"] == "awaiting_classification"]
overridden = decisions[filled(decisions, "override_reviewer")]
disagreements = decisions[filled(decisions, "text_disagreements")]
print(f"{len(awaiting)} record(s) awaiting classification (the rules could not decide)")
if len(awaiting):
    display(table(awaiting, ["record_id", "pmid", "title", "reason_detail"]))
print(f"{len(overridden)} reviewer override(s) (data/screening/overrides.csv)")
if len(overridden):
    display(
        table(
            overridden, ["record_id", "decision", "reason", "override_reviewer", "rules_decision"]
        )
    )
print(f"{len(disagreements)} record(s) where the curated classes and the text terms disagree")
if len(disagreements):
    display(table(disagreements, ["record_id", "decision", "text_disagreements"]))

# %% [markdown]
# ## 6. Included studies
#
# One row per study with all its reports (`publication_ids`) and records. Classes come from the
# screening protocol; `n_randomised` from the curated study sheet.

# %%
included = read_csv(screening / "included.csv")
print(f"{len(included)} studies in {int(included['reports'].sum())} reports")
display(table(included, caption="results/screening/included.csv"))

# %% [markdown]
# ## 7. Duplicates and trials reported in several papers
#
# Duplicates (same PMID, DOI, or normalised title and year) are removed and listed with the record
# they repeat. Several reports of one trial are **linked, not merged** (`data/screening/study_links.csv`):
# they appear as one study in `included.csv`; one publication with two comparisons (FACTS) has one
# row per comparison in `comparisons.csv`.

# %%
display(table(read_csv(screening / "duplicates.csv"), caption="results/screening/duplicates.csv"))
multi = included[(included["reports"] > 1) | included["publication_ids"].str.contains(";")]
display(
    table(
        multi,
        ["study_id", "publication_ids", "record_ids", "pmids", "reports", "intervention"],
        caption="Studies with several reports or comparisons",
    )
)
comparisons = read_csv(screening / "comparisons.csv")
shared = comparisons[comparisons["study_id"].isin(multi["study_id"])]
display(table(shared, caption="Their rows in results/screening/comparisons.csv"))

# %% [markdown]
# ## 8. Agreement with a human screener (PRISMA 2020 item 8, selection process)
#
# `results/screening/to_review.csv` lists every record awaiting classification and a reproducible
# random sample of the exclusions the rules made from the record's text alone (not from the curated
# sheet); `screening.human_review` in the config sets the sample size, the seed and where the
# reviewer's filled-in copy lives. Once a reviewer has filled in `reviewer_decision` (include or
# exclude) and `reviewer`, `agreement.json` holds Cohen's kappa between the rules' own decision
# (before any override) and the reviewer's, with a 95 % interval from the Fleiss, Cohen & Everitt
# (1969) standard error. Binary: the rules keep a record (include or awaiting) or exclude it. 3-way:
# a record the rules hold counts as a disagreement. The sheet changes no decision; to apply a
# reviewer's decision, add it to `data/screening/overrides.csv`.

# %%
agreement = read_json(screening / "agreement.json")
to_review = read_csv(screening / "to_review.csv")
display(
    table(
        to_review,
        ["record_id", "pmid", "title", "listed_because", "rules_decision", "rules_detail"],
        caption=f"results/screening/to_review.csv: {agreement['listed_in_to_review']}",
    )
)
if agreement["status"] != "reviewed":
    print(f"Agreement with a human screener: {agreement['message']}.")
else:
    rows = []
    for name in ("binary", "three_way"):
        stats = agreement[name]
        rows.append(
            {
                "version": name,
                "n": stats["n"],
                "observed agreement": stats["observed_agreement"],
                "expected agreement": stats["expected_agreement"],
                "kappa": stats["kappa"],
                "SE": stats["se"],
                "95 % CI": interval(stats["ci_low"], stats["ci_high"]),
                "undefined": stats["undefined"],
                "note": stats["note"],
            }
        )
    print(f"{agreement['message']}; reviewers: {agreement['reviewers']}")
    display(table(rows, caption="Cohen's kappa: the rules against the reviewer"))
    for name in ("binary", "three_way"):
        display(
            table(contingency_rows(agreement[name]), caption=f"{name}: rules (rows) × reviewer")
        )
    for key, caption in (
        ("missed_by_rules", "Excluded by the rules, included by the reviewer"),
        ("not_applied", "Reviewer decisions not (yet) applied through overrides.csv"),
        ("rules_changed_since_sheet", "Records the rules now decide differently from the sheet"),
    ):
        display(table(agreement[key], caption=f"{caption}: {len(agreement[key])}"))
