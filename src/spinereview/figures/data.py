"""Reading the meta-analysis results, PRISMA counts and study sizes that the figures draw."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinereview.errors import InputError
from spinereview.io import read_table
from spinereview.screening.run import read_randomised as screening_randomised

RUN = "main"  # figures show the main run; the sensitivity run is in the tables and the report


@dataclass(frozen=True)
class StudyRow:
    """One study's effect in one window, as it entered the pooling."""

    study_id: str
    timepoint_weeks: float | None
    yi: float
    se: float
    ci_low: float
    ci_high: float
    weight_percent: float | None
    n: int | None
    n_is_randomised: bool
    uncertain: bool


@dataclass(frozen=True)
class WindowResult:
    """The pooled result of one analysis in one follow-up window (``k = 0`` has no numbers)."""

    window: str
    k: int
    n: int | None = None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    pi_low: float | None = None
    pi_high: float | None = None
    tau2: float | None = None
    i2: float | None = None
    q: float | None = None
    q_df: int | None = None
    q_p: float | None = None
    method: str = ""
    test: str = ""
    studies: tuple[StudyRow, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """One configured analysis with its windows in protocol order."""

    id: str
    title: Mapping[str, str]
    scale: str
    windows: tuple[WindowResult, ...] = field(default_factory=tuple)


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; a missing or malformed file names itself."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON: {exc.msg}", line=exc.lineno) from None


def _get(mapping: Any, key: str, path: str | Path, where: str) -> Any:
    if not isinstance(mapping, Mapping) or key not in mapping:
        raise InputError(path, f"missing key in {where}", field=key)
    return mapping[key]


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _int(value: Any) -> int | None:
    number = _float(value)
    return None if number is None else int(number)


def _study(row: Mapping[str, Any], randomised: Mapping[str, int], path: Path) -> StudyRow:
    where = "a study row"
    n_treat, n_ctrl = _float(row.get("n_treat")), _float(row.get("n_ctrl"))
    study_id = str(_get(row, "study_id", path, where))
    n = int(n_treat + n_ctrl) if n_treat is not None and n_ctrl is not None else None
    by_randomised = n is None and study_id in randomised
    return StudyRow(
        study_id=study_id,
        timepoint_weeks=_float(row.get("timepoint_weeks")),
        yi=float(_get(row, "yi", path, where)),
        se=float(_get(row, "se", path, where)),
        ci_low=float(_get(row, "ci_low", path, where)),
        ci_high=float(_get(row, "ci_high", path, where)),
        weight_percent=_float(row.get("weight_percent")),
        n=randomised[study_id] if by_randomised else n,
        n_is_randomised=by_randomised,
        uncertain=bool(row.get("uncertain", False)),
    )


def _window(window: str, entry: Any, randomised: Mapping[str, int], path: Path) -> WindowResult:
    run = _get(entry, RUN, path, f"window {window!r}")
    pooled = _get(run, "pooled", path, f"window {window!r}, run {RUN!r}")
    studies = tuple(_study(s, randomised, path) for s in _get(run, "studies", path, window))
    k = int(_get(pooled, "k", path, f"window {window!r} pooled"))
    if k != len(studies):
        raise InputError(path, f"window {window!r}: k = {k} but {len(studies)} study rows")
    return WindowResult(
        window=window,
        k=k,
        n=_int(pooled.get("n")),
        estimate=_float(pooled.get("estimate")),
        ci_low=_float(pooled.get("ci_low")),
        ci_high=_float(pooled.get("ci_high")),
        pi_low=_float(pooled.get("pi_low")),
        pi_high=_float(pooled.get("pi_high")),
        tau2=_float(pooled.get("tau2")),
        i2=_float(pooled.get("i2")),
        q=_float(pooled.get("q")),
        q_df=_int(pooled.get("q_df")),
        q_p=_float(pooled.get("q_p")),
        method=str(pooled.get("method") or ""),
        test=str(pooled.get("test") or ""),
        studies=studies,
    )


def load_analysis(path: str | Path, randomised: Mapping[str, int] | None = None) -> Analysis:
    """Read ``results/meta/analyses/<id>.json``: its windows in the analysis' own order."""
    path = Path(path)
    data = read_json(path)
    spec = _get(data, "analysis", path, "the file")
    windows = _get(data, "windows", path, "the file")
    order = [w for w in spec.get("windows", []) if w in windows]
    order += sorted(w for w in windows if w not in order)
    return Analysis(
        id=str(_get(spec, "id", path, "analysis")),
        title=dict(spec.get("title") or {}),
        scale=str(_get(spec, "scale", path, "analysis")),
        windows=tuple(_window(w, windows[w], randomised or {}, path) for w in order),
    )


def read_pooled(path: str | Path) -> list[dict[str, str]]:
    """The rows of ``results/meta/pooled.csv`` for the main run."""
    needed = ("analysis", "run", "window", "scale", "k", "estimate", "ci_low", "ci_high")
    return [row for row in read_table(path, needed) if row["run"] == RUN]


def pooled_window(row: Mapping[str, str]) -> WindowResult:
    """A ``pooled.csv`` row as a WindowResult without study rows."""
    return WindowResult(
        window=row["window"],
        k=int(row["k"]),
        n=_int(row.get("n")),
        estimate=_float(row.get("estimate")),
        ci_low=_float(row.get("ci_low")),
        ci_high=_float(row.get("ci_high")),
        pi_low=_float(row.get("pi_low")),
        pi_high=_float(row.get("pi_high")),
        method=row.get("method", ""),
        test=row.get("test", ""),
    )


def read_randomised(path: str | Path | None) -> dict[str, int]:
    """study id → n randomised from ``results/screening/included.csv`` (optional input)."""
    return {} if path is None else screening_randomised(path)


def analysis_files(directory: str | Path, ids: Sequence[str]) -> list[Path]:
    """The JSON file of every configured analysis id; a missing one fails naming it."""
    files = [Path(directory) / f"{analysis_id}.json" for analysis_id in ids]
    for path in files:
        if not path.is_file():
            raise InputError(path, "analysis result not found (run pool_effects first)")
    return files
