"""The pool_effects step: every configured analysis × window, with sensitivity and bias checks."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spinereview.io import write_csv_atomic, write_json_atomic
from spinereview.meta import Control, ConvergenceError, MetaAnalysis, MetaResult
from spinereview.meta.bias import egger_test, trim_and_fill
from spinereview.meta.bounds import bound_cell
from spinereview.meta.model import json_safe
from spinereview.meta.sensitivity import NotApplicable, leave_one_out, subgroup_analysis
from spinereview.pooling.select import Selection, select_rows
from spinereview.rounding import HETEROGENEITY, PI_MIN_K, clip, pi_allowed, round_row

POOLED_COLUMNS = (
    "analysis",
    "run",
    "window",
    "scale",
    "k",
    "n",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "tau2",
    "tau2_ci_low",
    "tau2_ci_high",
    "i2",
    "i2_ci_low",
    "i2_ci_high",
    "h2",
    "q",
    "q_df",
    "q_p",
    "method",
    "test",
    "level",
    "studies",
    "row_ids",
    "converged",
    "notes",
    "clipped",
)
LOO_COLUMNS = (
    "analysis",
    "window",
    "omitted_study",
    "omitted_row",
    "k",
    "estimate",
    "ci_low",
    "ci_high",
    "tau2",
    "i2",
    "applicable",
    "reason",
    "clipped",
)
SUBGROUP_COLUMNS = (
    "analysis",
    "window",
    "factor",
    "group",
    "k",
    "estimate",
    "ci_low",
    "ci_high",
    "tau2",
    "q_between",
    "q_between_df",
    "q_between_p",
    "qm",
    "qm_p",
    "note",
    "clipped",
)
BIAS_COLUMNS = (
    "analysis",
    "window",
    "check",
    "applicable",
    "reason",
    "k",
    "statistic",
    "p",
    "k0",
    "side",
    "adjusted_estimate",
    "adjusted_ci_low",
    "adjusted_ci_high",
    "clipped",
)
ESTIMATOR_COLUMNS = (
    "analysis",
    "window",
    "method",
    "test",
    "k",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "tau2",
    "i2",
    "converged",
    "note",
    "clipped",
    "excludes_null",
)

#: The CSV tables of results/meta/ and their columns.
TABLES = {
    "pooled": POOLED_COLUMNS,
    "loo": LOO_COLUMNS,
    "subgroups": SUBGROUP_COLUMNS,
    "bias": BIAS_COLUMNS,
    "estimators": ESTIMATOR_COLUMNS,
}


#: Settings an analysis may set for itself instead of the ``meta`` defaults.
ANALYSIS_OVERRIDES = ("method", "test", "tau2_max")
#: pooled.csv columns that hold Q-profile bounds: a bound beyond the search limit is written as
#: ">limit" (or "<0" for the null set), read back with ``spinereview.meta.bounds.parse_bound``.
BOUND_COLUMNS = ("tau2_ci_low", "tau2_ci_high", "i2_ci_low", "i2_ci_high")


def control(settings: Mapping[str, Any]) -> Control:
    """The engine's Control for these settings: ``tau2_max`` (None = metafor's default limits)."""
    return Control(tau2_max=settings.get("tau2_max"))


def _fit(
    rows: Sequence[Mapping[str, Any]],
    settings: Mapping[str, Any],
    method: str | None = None,
    test: str | None = None,
) -> MetaAnalysis:
    """Fit with the settings' method, test, level and search limit (method/test may be overridden)."""
    model = MetaAnalysis(
        [r["yi"] for r in rows],
        [r["vi"] for r in rows],
        method=method or settings["method"],
        test=test or settings["test"],
        level=settings["level"],
        control=control(settings),
    )
    return model.fit()


def _bound_cells(result: MetaResult) -> dict[str, float | str | None]:
    """The Q-profile bounds of pooled.csv, marked '>'/'<' as metafor does when at a search limit."""
    if result.tau2_ci is None or result.i2_ci is None or result.tau2_ci_signs is None:
        return dict.fromkeys(BOUND_COLUMNS)
    (lb, ub), signs = result.tau2_ci, result.tau2_ci_signs
    (i2_lb, i2_ub) = result.i2_ci
    return {
        "tau2_ci_low": bound_cell(lb, signs[0]),
        "tau2_ci_high": bound_cell(ub, signs[1]),
        "i2_ci_low": bound_cell(i2_lb, signs[0]),
        "i2_ci_high": bound_cell(i2_ub, signs[1]),
    }


def arm_sizes(effects: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, int, str]]:
    """comparison id → (n_treat, n_ctrl, row id): the arm sizes of each comparison as some row of
    the sheet (or arm_statistics.csv, filled in by the extraction) gives them; the first row by id."""
    out: dict[str, tuple[int, int, str]] = {}
    for r in sorted(effects, key=lambda e: str(e.get("row_id"))):
        nt, nc = r.get("n_treat"), r.get("n_ctrl")
        if nt is None or nc is None or r.get("comparison_id") is None:
            continue
        if (isinstance(nt, float) and math.isnan(nt)) or (isinstance(nc, float) and math.isnan(nc)):
            continue
        out.setdefault(str(r["comparison_id"]), (int(nt), int(nc), str(r["row_id"])))
    return out


def _n(
    rows: Sequence[Mapping[str, Any]],
    randomised: Mapping[str, int],
    arms: Mapping[str, tuple[int, int, str]] | None = None,
) -> tuple[int | None, str]:
    """Participants in the arms that are compared (Cochrane Handbook ch. 23): the row's arm sizes,
    else those another row of the same comparison gives, else the study's randomised n (all arms —
    too many for a trial with more than two arms, which the note says)."""
    total, borrowed, fallback = 0, [], []
    for r in rows:
        if r["n_treat"] is not None and r["n_ctrl"] is not None:
            total += int(r["n_treat"] + r["n_ctrl"])
        elif arms and str(r.get("comparison_id")) in arms:
            nt, nc, source = arms[str(r["comparison_id"])]
            total += nt + nc
            borrowed.append(f"{r['study_id']} {nt} + {nc} (row {source})")
        elif r["study_id"] in randomised:
            total += randomised[r["study_id"]]
            fallback.append(r["study_id"])
        else:
            return None, f"total n unknown ({r['study_id']} has no arm sizes or randomised n)"
    notes = []
    if borrowed:
        notes.append(
            f"n of the compared arms from another row of the comparison: {', '.join(borrowed)}"
        )
    if fallback:
        notes.append(
            f"n randomised (all arms) used for {', '.join(fallback)}: arm sizes of the compared arms "
            "are not in the data (for a trial with more than two arms this overstates n)"
        )
    return (total if rows else None), "; ".join(notes)


def pooled_row(
    analysis: Mapping[str, Any], run: str, window: str, sel: Selection, settings: Mapping[str, Any]
) -> tuple[dict[str, Any], MetaResult | None]:
    """One line of pooled.csv (and the fit, or None when nothing could be pooled)."""
    method, test, level = settings["method"], settings["test"], settings["level"]
    row: dict[str, Any] = {name: None for name in POOLED_COLUMNS}
    n, n_note = _n(sel.rows, settings.get("randomised", {}), settings.get("arm_sizes"))
    row.update(
        analysis=analysis["id"],
        run=run,
        window=window,
        scale=analysis["scale"],
        k=len(sel.rows),
        n=n,
        method=method,
        test=test,
        level=level,
        studies="; ".join(r["study_id"] for r in sel.rows),
        row_ids="; ".join(r["row_id"] for r in sel.rows),
    )
    notes = list(sel.notes)
    if not sel.rows:
        row.update(notes="; ".join([*notes, "no study with poolable data"]), converged=None)
        return row, None
    try:
        result = _fit(sel.rows, settings).result
    except ConvergenceError as exc:
        row.update(converged=False, notes="; ".join([*notes, f"did not converge: {exc}"]))
        return row, None
    if n_note:
        notes.append(n_note)
    notes.extend(_k2_notes(result))
    row.update(
        estimate=result.estimate,
        se=result.se,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        pi_low=result.pi_low,
        pi_high=result.pi_high,
        tau2=result.tau2,
        i2=result.i2,
        h2=result.h2,
        q=result.q,
        q_df=result.q_df,
        q_p=result.q_p,
        converged=result.converged,
        **_bound_cells(result),
    )
    notes = [*notes, *result.notes]
    small_k(row, settings, analysis["scale"], notes)
    row["notes"] = "; ".join(dict.fromkeys(notes))  # each note once
    return row, result


def pi_min_k(settings: Mapping[str, Any]) -> int:
    """``meta.prediction_interval_min_k`` (3 when not set: Cochrane Handbook 10.10.4.3)."""
    value = settings.get("prediction_interval_min_k")
    return PI_MIN_K if value is None else int(value)


def small_k(
    row: dict[str, Any], settings: Mapping[str, Any], scale: str, notes: list[str] | None = None
) -> dict[str, Any]:
    """Small-k rules on one table row (in place): no PI below ``prediction_interval_min_k``, no
    heterogeneity statistics for a single study, and ``clipped`` naming the interval bounds that
    lie beyond the scale's range (the CSV shows them cut to the range; the JSON keeps them)."""
    k = int(row.get("k") or 0)
    min_k = pi_min_k(settings)
    if row.get("pi_low") is not None and not pi_allowed(k, min_k):
        row["pi_low"] = row["pi_high"] = None
        if notes is not None and k > 1:
            notes.append(
                f"no prediction interval for k = {k} < {min_k} (Cochrane Handbook 10.10.4.3)"
            )
    if k == 1:
        for column in HETEROGENEITY:
            if column in row:
                row[column] = None
    row["clipped"] = clipped_columns(row, scale)
    return row


def clipped_columns(row: Mapping[str, Any], scale: str) -> str:
    """The interval bounds of ``row`` beyond the range of ``scale`` ("ci_low; pi_low"), or ""."""
    out = []
    for low, high in (("ci_low", "ci_high"), ("pi_low", "pi_high"),
                      ("adjusted_ci_low", "adjusted_ci_high")):  # fmt: skip
        lo, hi = row.get(low), row.get(high)
        if not isinstance(lo, float) or not isinstance(hi, float):
            continue
        new_lo, new_hi, _ = clip(scale, lo, hi)
        out += [low] if new_lo != lo else []
        out += [high] if new_hi != hi else []
    return "; ".join(out)


def _k2_notes(result: MetaResult) -> list[str]:
    """Why a k = 2 Knapp-Hartung interval is so wide (t with 1 df), and what else to look at."""
    if result.k != 2 or result.test not in ("knha", "hksj", "adhoc"):
        return []
    return [
        "k = 2 with the Knapp-Hartung (HKSJ) test: the interval uses a t distribution with 1 degree "
        "of freedom (critical value 12.71 instead of 1.96), so it is wide; see the z-test in "
        "estimators.csv, or set test: adhoc for the analysis (variance factor floored at 1)"
    ]


def _loo_rows(
    analysis_id: str, window: str, sel: Selection, settings: Mapping[str, Any]
) -> list[dict]:
    base = {"analysis": analysis_id, "window": window}
    if len(sel.rows) < settings["leave_one_out_min_k"]:
        reason = f"not applicable (k = {len(sel.rows)} < {settings['leave_one_out_min_k']})"
        return [{**base, "applicable": False, "reason": reason}]
    model = _fit(sel.rows, settings)
    loo = leave_one_out(model, min_k=settings["leave_one_out_min_k"])
    assert not isinstance(loo, NotApplicable)
    return [
        {
            **base,
            "omitted_study": sel.rows[i]["study_id"],
            "omitted_row": sel.rows[i]["row_id"],
            "k": fit.k,
            "estimate": fit.estimate,
            "ci_low": fit.ci_low,
            "ci_high": fit.ci_high,
            "tau2": fit.tau2,
            "i2": fit.i2,
            "applicable": True,
            "reason": "",
            "clipped": clipped_columns(
                {"ci_low": fit.ci_low, "ci_high": fit.ci_high}, settings.get("scale", "")
            ),
        }
        for i, fit in zip(loo.omitted, loo.fits, strict=True)
    ]


def _bias_rows(
    analysis_id: str, window: str, sel: Selection, settings: Mapping[str, Any]
) -> list[dict]:
    base = {"analysis": analysis_id, "window": window, "k": len(sel.rows)}
    if len(sel.rows) < 3:
        reason = f"not applicable (k < 10; k = {len(sel.rows)})"
        return [
            {**base, "check": c, "applicable": False, "reason": reason}
            for c in ("egger", "trim_and_fill")
        ]
    model = _fit(sel.rows, settings)
    out = []
    egger = egger_test(model)
    if isinstance(egger, NotApplicable):
        out.append({**base, "check": "egger", "applicable": False, "reason": egger.reason})
    else:
        out.append(
            {
                **base,
                "check": "egger",
                "applicable": True,
                "reason": "",
                "statistic": egger.statistic,
                "p": egger.p,
            }
        )
    fill = trim_and_fill(model)
    if isinstance(fill, NotApplicable):
        out.append({**base, "check": "trim_and_fill", "applicable": False, "reason": fill.reason})
    else:
        out.append(
            {
                **base,
                "check": "trim_and_fill",
                "applicable": True,
                "reason": "",
                "k0": fill.k0,
                "side": fill.side,
                "adjusted_estimate": fill.refit.estimate,
                "adjusted_ci_low": fill.refit.ci_low,
                "adjusted_ci_high": fill.refit.ci_high,
            }
        )
        out[-1]["clipped"] = clipped_columns(out[-1], settings.get("scale", ""))
    return out


def _subgroup_rows(
    analysis_id: str,
    window: str,
    factor: str,
    rows: Sequence[Mapping[str, Any]],
    settings: Mapping[str, Any],
) -> list[dict]:
    """Subgroup fits and the test for subgroup differences (Q between separate fits, and QM)."""
    base = {"analysis": analysis_id, "window": window, "factor": factor}
    groups = [str(r[factor]) for r in rows]
    if len(set(groups)) < 2:
        return []
    res = subgroup_analysis(
        [r["yi"] for r in rows],
        [r["vi"] for r in rows],
        groups,
        method=settings["method"],
        test=settings["test"],
        level=settings["level"],
        control=control(settings),
    )
    note = (
        ""
        if factor != "window"
        else (
            "windows share studies; the test assumes independent subgroups and is descriptive only"
        )
    )
    out = []
    fits = list(zip(res.levels, res.fits, strict=True))
    if factor == "window":  # time order (the config's), not alphabetical
        order = {w: i for i, w in enumerate(settings.get("window_order") or ())}
        fits.sort(key=lambda gf: (order.get(gf[0], len(order)), gf[0]))
    for group, fit in fits:
        out.append(
            {
                **base,
                "group": group,
                "k": fit.k,
                "estimate": fit.estimate,
                "ci_low": fit.ci_low,
                "ci_high": fit.ci_high,
                "tau2": fit.tau2,
                "q_between": res.q_between,
                "q_between_df": res.q_between_df,
                "q_between_p": res.q_between_p,
                "qm": res.moderator.qm if res.moderator else None,
                "qm_p": res.moderator.qm_p if res.moderator else None,
                "note": note,
            }
        )
    for row in out:
        small_k(row, settings, settings.get("scale", ""))
        if row["k"] == 1:
            row["tau2"] = None
    return out


def _estimator_rows(
    analysis_id: str, window: str, sel: Selection, settings: Mapping[str, Any], scale: str = ""
) -> list[dict]:
    out = []
    for method in settings["compare_methods"]:
        for test in settings["compare_tests"]:
            base = {
                "analysis": analysis_id,
                "window": window,
                "method": method,
                "test": test,
                "k": len(sel.rows),
            }
            if not sel.rows:
                continue
            try:
                r = _fit(sel.rows, settings, method, test).result
            except ConvergenceError as exc:
                out.append({**base, "converged": False, "note": str(exc)})
                continue
            row = {
                **base,
                "estimate": r.estimate,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "pi_low": r.pi_low,
                "pi_high": r.pi_high,
                "tau2": r.tau2,
                "i2": r.i2,
                "converged": r.converged,
                "excludes_null": r.ci_low > 0 or r.ci_high < 0,
            }
            notes = [*r.notes, *_k2_notes(r)]
            small_k(row, settings, scale, notes)
            row["note"] = "; ".join(dict.fromkeys(notes))
            out.append(row)
    return out


def _study_rows(sel: Selection, result: MetaResult | None) -> list[dict[str, Any]]:
    weights = result.weights if result is not None else (None,) * len(sel.rows)
    keys = (
        "study_id",
        "comparison_id",
        "publication_id",
        "row_id",
        "sheet_row",
        "pmid",
        "outcome",
        "instrument",
        "timepoint_weeks",
        "yi",
        "vi",
        "se",
        "ci_low",
        "ci_high",
        "n_treat",
        "n_ctrl",
        "intervention",
        "comparator",
        "uncertain",
        "source_url",
        "locator",
    )
    return [
        {**{k: r[k] for k in keys}, "weight_percent": w}
        for r, w in zip(sel.rows, weights, strict=True)
    ]


#: sensitivity run → keyword of ``select_rows`` that is true in it
SENSITIVITY_RUNS = {
    "excluding_uncertain": "exclude_uncertain",
    "excluding_imputed": "exclude_imputed",
}


def run_analysis(
    effects: Sequence[Mapping[str, Any]],
    analysis: Mapping[str, Any],
    defaults: Mapping[str, Any],
    *,
    exclude_imputed: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """All tables of one analysis, plus its full JSON under key "json".

    Runs: "main"; "excluding_uncertain" when ``sensitivity_exclude_uncertain`` is set; and
    "excluding_imputed" when ``exclude_imputed`` (the config's extraction.recovery.borrow_sd).
    """
    settings = {**defaults, **{k: analysis[k] for k in ANALYSIS_OVERRIDES if k in analysis}}
    settings.setdefault("tau2_max", None)
    settings["scale"] = analysis["scale"]
    settings.setdefault("arm_sizes", arm_sizes(effects))
    settings.setdefault("window_order", list(analysis["windows"]))
    runs = ["main"] + (["excluding_uncertain"] if defaults["sensitivity_exclude_uncertain"] else [])
    runs += ["excluding_imputed"] if exclude_imputed else []
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    hidden = ("randomised", "scale", "window_order", "arm_sizes")
    shown = {k: v for k, v in settings.items() if k not in hidden}
    shown["prediction_interval_min_k"] = pi_min_k(settings)
    if exclude_imputed:
        shown["sensitivity_exclude_imputed"] = True
    doc: dict[str, Any] = {"analysis": dict(analysis), "settings": shown, "windows": {}}
    all_main: list[Mapping[str, Any]] = []
    for window in analysis["windows"]:
        doc["windows"][window] = {}
        for run in runs:
            flags = {SENSITIVITY_RUNS[run]: True} if run != "main" else {}
            sel = select_rows(effects, analysis, window, **flags)
            row, result = pooled_row(analysis, run, window, sel, settings)
            tables["pooled"].append(row)
            doc["windows"][window][run] = {
                "pooled": row,
                "fit": result.to_dict() if result else None,
                "studies": _study_rows(sel, result),
            }
            if run != "main" or result is None:
                continue
            all_main.extend(sel.rows)
            tables["loo"] += _loo_rows(analysis["id"], window, sel, settings)
            tables["bias"] += _bias_rows(analysis["id"], window, sel, settings)
            tables["estimators"] += _estimator_rows(
                analysis["id"], window, sel, settings, analysis["scale"]
            )
            for factor in analysis.get("subgroups", []):
                tables["subgroups"] += _subgroup_rows(
                    analysis["id"], window, factor, sel.rows, settings
                )
    tables["subgroups"] += _subgroup_rows(analysis["id"], "all", "window", all_main, settings)
    doc["loo"], doc["subgroups"], doc["bias"] = tables["loo"], tables["subgroups"], tables["bias"]
    doc["estimators"] = tables["estimators"]
    tables["json"] = [json_safe(doc)]  # type: ignore[list-item]
    return tables


def run_pooling(
    effects: Sequence[Mapping[str, Any]],
    meta: Mapping[str, Any],
    out_dir: Path,
    randomised: Mapping[str, int] | None = None,
    *,
    exclude_imputed: bool = False,
) -> list[dict]:
    """Run every configured analysis; write pooled/loo/subgroups/bias/estimators.csv and one JSON each.

    ``randomised`` maps study id → number randomised (results/screening/included.csv), used for the
    total n where the sheet has no arm sizes. ``exclude_imputed`` adds the sensitivity run
    "excluding_imputed" (rows with a borrowed SD left out) to every analysis.
    """
    defaults = {k: v for k, v in meta.items() if k != "analyses"} | {"randomised": randomised or {}}
    combined: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    docs = {}
    for analysis in meta["analyses"]:
        tables = run_analysis(effects, analysis, defaults, exclude_imputed=exclude_imputed)
        docs[analysis["id"]] = tables.pop("json")[0]
        for name, rows in tables.items():
            combined[name] += rows
    for analysis_id, doc in docs.items():
        write_json_atomic(out_dir / "analyses" / f"{analysis_id}.json", doc)
    scales = {a["id"]: a["scale"] for a in meta["analyses"]}
    for name, rows in combined.items():
        shown = [human_row(r, scales.get(r.get("analysis"), "")) for r in rows]
        full = [{c: _clean(r.get(c)) for c in TABLES[name]} for r in shown]
        write_csv_atomic(out_dir / f"{name}.csv", full, TABLES[name])
    return combined["pooled"]


def human_row(row: Mapping[str, Any], scale: str) -> dict[str, Any]:
    """A row as the CSV shows it: bounds named in ``clipped`` cut to the scale's range, then every
    number rounded by the policy of ``spinereview.rounding`` (the JSON keeps full precision)."""
    out = dict(row)
    for column in str(row.get("clipped") or "").split("; "):
        if column in out and isinstance(out[column], float):
            low, high, _ = clip(scale, out[column], out[column])
            out[column] = high if column.endswith("_high") else low
    return round_row(out, scale)


def _clean(value: Any) -> Any:
    """CSV cells: None stays empty, floats (counts) without a trailing '.0' when whole."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    return "" if value is None else value
