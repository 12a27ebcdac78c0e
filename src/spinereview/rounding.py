"""One rounding policy per quantity, for every table meant for people (README, "Rounding").

Full precision stays in the JSON and Parquet files; the CSV tables of ``results/meta/`` and
``results/evidence/`` and the report and notebooks show numbers through this module:

* effects, confidence and prediction intervals: 1 decimal on the 0–100 scales (points and percentage
  points), 2 decimals for the SMD and ratio scales; standard errors one decimal more;
* tau² (and its interval): 2 significant digits, below 0.0001 shown as 0; I² (and its interval):
  integer percent; H² 2 decimals;
* Q and other test statistics: 2 decimals; p-values: 3 significant digits, "< 0.001" below 0.001;
* sampling variances (vi): 3 significant digits; weights: 1 decimal (percent); counts (k, n, df) as
  integers.

Small-k rules live here too: a prediction interval only from ``prediction_interval_min_k`` studies
on (3, Cochrane Handbook 10.10.4.3), no heterogeneity statistics for a single study, and bounds of a
bounded scale clipped to its range (the unclipped values stay in the JSON).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

#: Shown for a statistic that does not exist for the cell (k = 1: I², Q, p(Q), tau², PI).
DASH = "—"
#: A prediction interval needs at least this many studies unless the config says otherwise.
PI_MIN_K = 3
P_FLOOR = 0.001
#: tau² below this is shown as 0 (estimator noise, e.g. 1e-11 from REML's iterations).
TAU2_ZERO = 1e-4

#: Decimals of an effect on each scale (anything not listed: 1).
SCALE_DECIMALS = {"smd": 2, "log_rr": 2, "rr": 2, "or": 2}
#: Range of an effect on each bounded scale: a difference of two 0–100 values lies in ±100.
SCALE_RANGE: dict[str, tuple[float, float]] = {
    "pain_0_100": (-100.0, 100.0),
    "disability_0_100": (-100.0, 100.0),
    "responder_rd_pp": (-100.0, 100.0),
}

#: Column name → quantity. Effects take their decimals from the row's scale.
QUANTITY = {
    **dict.fromkeys(
        ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "yi", "adjusted_estimate",
         "adjusted_ci_low", "adjusted_ci_high"),
        "effect",
    ),
    "se": "se",
    **dict.fromkeys(("tau2", "tau2_ci_low", "tau2_ci_high"), "tau2"),
    **dict.fromkeys(("i2", "i2_ci_low", "i2_ci_high"), "i2"),
    "h2": "h2",
    **dict.fromkeys(("q", "q_between", "qm", "statistic"), "statistic"),
    **dict.fromkeys(("q_p", "q_between_p", "qm_p", "p"), "p"),
    "weight_percent": "weight",
    **dict.fromkeys(("vi", "smd_vi"), "variance"),
}  # fmt: skip
#: Columns that exist only when a cell pools at least two studies.
HETEROGENEITY = (
    "tau2", "tau2_ci_low", "tau2_ci_high", "i2", "i2_ci_low", "i2_ci_high", "h2", "q", "q_df", "q_p",
)  # fmt: skip
PREDICTION = ("pi_low", "pi_high")


def effect_decimals(scale: str | None) -> int:
    """Decimals of an effect on ``scale``: 2 for SMD and ratios, 1 for the 0–100 scales."""
    return SCALE_DECIMALS.get(str(scale or ""), 1)


def _fixed(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.0"


def significant(value: float, digits: int = 2) -> str:
    """``value`` to ``digits`` significant digits, written without an exponent (4167.3 → "4200")."""
    if value == 0 or not math.isfinite(value):
        return _fixed(value, 0) if value == 0 else str(value)
    exponent = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - exponent, 0)
    rounded = round(value, digits - 1 - exponent)
    return _fixed(rounded, decimals)


def p_text(p: float) -> str:
    """A p-value: 3 significant digits, "< 0.001" below 0.001."""
    if p < P_FLOOR:
        return "< 0.001"
    return significant(p, 3)


def number(quantity: str, value: Any, scale: str | None = None) -> str:
    """``value`` rounded by the policy for ``quantity`` ('' for missing; ">x"/"<x" bounds keep mark)."""
    if value is None or value == "" or isinstance(value, bool):
        return "" if value is None or value == "" else str(value)
    mark = ""
    if isinstance(value, str):
        text = value.strip()
        if text in (DASH, "< 0.001"):
            return text
        if text[:1] in "<>":
            mark, text = text[0], text[1:]
        value = float(text)
    x = float(value)
    if math.isnan(x):
        return ""
    if quantity == "effect":
        out = _fixed(x, effect_decimals(scale))
    elif quantity == "se":
        out = _fixed(x, effect_decimals(scale) + 1)
    elif quantity == "tau2":
        out = "0" if abs(x) < TAU2_ZERO else significant(x, 2)
    elif quantity == "i2":
        out = _fixed(x, 0)
    elif quantity in ("h2", "statistic"):
        out = _fixed(x, 2)
    elif quantity == "p":
        out = p_text(x)
    elif quantity == "weight":
        out = _fixed(x, 1)
    elif quantity == "variance":
        out = "0" if x == 0 else significant(x, 3)
    else:
        raise ValueError(f"no rounding rule for {quantity!r}")
    return mark + out


def round_row(row: Mapping[str, Any], scale: str | None = None) -> dict[str, Any]:
    """A table row with every column of ``QUANTITY`` rounded (the scale from ``row['scale']``)."""
    scale = row.get("scale", scale)
    out = dict(row)
    for column, value in row.items():
        if column in QUANTITY and value is not None and value != "":
            out[column] = number(QUANTITY[column], value, scale)
    return out


def clip(scale: str | None, low: float | None, high: float | None) -> tuple[Any, Any, bool]:
    """(low, high, clipped): bounds of a bounded scale cut to its range (±100 for differences)."""
    bounds = SCALE_RANGE.get(str(scale or ""))
    if bounds is None:
        return low, high, False
    new_low = None if low is None else max(low, bounds[0])
    new_high = None if high is None else min(high, bounds[1])
    return new_low, new_high, (new_low != low or new_high != high)


def pi_allowed(k: Any, min_k: int = PI_MIN_K) -> bool:
    """Whether a prediction interval is shown for ``k`` studies."""
    try:
        return int(k) >= min_k
    except (TypeError, ValueError):
        return False


def dash_if_single(row: Mapping[str, Any], columns: Sequence[str], k_column: str = "k") -> dict:
    """k = 1: the heterogeneity statistics in ``columns`` are empty (no between-study spread)."""
    out = dict(row)
    if str(row.get(k_column, "")) == "1":
        for c in columns:
            if c in out:
                out[c] = None
    return out


def shown(value: Any) -> str:
    """A table cell for people: the dash for a statistic that does not exist."""
    return DASH if value is None or value == "" else str(value)


#: The sign convention in words (harmonise: negative favours the injection on every scale).
SIGN_WORDS: dict[str, dict[str, str]] = {
    "pain_0_100": {
        "en": "negative = less pain with the injection",
        "de": "negativ = weniger Schmerz mit der Injektion",
    },
    "disability_0_100": {
        "en": "negative = less disability with the injection",
        "de": "negativ = weniger Funktionseinschränkung mit der Injektion",
    },
    "responder_rd_pp": {
        "en": "negative = more responders with the injection (risk difference, percentage points)",
        "de": "negativ = mehr Patienten mit Ansprechen unter der Injektion (Risikodifferenz, "
        "Prozentpunkte)",
    },
}
#: Scales not listed above.
SIGN_DEFAULT = {
    "en": "negative = favours the injection",
    "de": "negativ = zugunsten der Injektion",
}


def sign_words(scale: str | None, lang: str = "en") -> str:
    """The sign convention of ``scale`` in words, in ``lang`` (en or de)."""
    return SIGN_WORDS.get(str(scale or ""), SIGN_DEFAULT)[lang]
