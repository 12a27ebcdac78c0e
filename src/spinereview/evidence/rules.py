"""The GRADE rules of the review, read and checked from the `grade:` block of config/config.yaml.

Every threshold the certainty rating uses lives here, built once by ``GradeRules.from_config``; a bad
value raises ``InputError`` naming the config key (``grade.inconsistency.serious_i2`` …). No I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from spinereview.errors import InputError

LANGS = ("en", "de")
#: Screening dimensions a class can be rated indirect on (the columns of the comparisons table).
DIMENSIONS = ("intervention", "comparator", "population", "duration")
#: RoB 2 overall judgements.
ROB_JUDGEMENTS = ("low", "some_concerns", "high")
BENEFITS = ("reduces", "increases")
#: The scale whose threshold defaults to figures.mcid.value (one source of truth for the MCID).
MCID_SCALE = "pain_0_100"
SCALES = ("pain_0_100", "disability_0_100", "responder_rd_pp", "log_rr", "log_or")

Text = tuple[str, str]  # (en, de)


@dataclass(frozen=True)
class ScaleRule:
    """Threshold of an important effect on one scale, what a benefit does, and the OIS.

    ``threshold`` is in the scale's units (points on 0-100, percentage points for responders);
    ``benefit`` is the verb for an effect that favours the injection (pain is reduced, the proportion of
    responders is increased); ``ois`` is the optimal information size in participants (both arms),
    ``ois_basis`` says in words where it comes from.
    """

    threshold: float
    benefit: str
    ois: int
    ois_basis: Text


@dataclass(frozen=True)
class RiskOfBiasRule:
    """Shares are percentages of the cell's weight (of its studies when weights are missing).

    ``not_assessed_levels`` (0 or 1) applies when no study of a cell has a RoB 2 judgement; when it is
    1, a study without a judgement in a partly assessed cell counts towards ``serious_share`` (an
    unknown risk is a concern), when 0 it does not.
    """

    serious_share: float
    count_some_concerns: bool
    very_serious_high_share: float | None
    not_assessed_levels: int


@dataclass(frozen=True)
class InconsistencyRule:
    serious_i2: float
    very_serious_i2: float
    prediction_interval: bool
    pi_min_k: int


@dataclass(frozen=True)
class ImprecisionRule:
    unknown_n_levels: int
    count_null_for_trivial: bool


@dataclass(frozen=True)
class IndirectClass:
    """A screening class that answers the review's question only indirectly, and why (en, de)."""

    dimension: str
    class_id: str
    why: Text


@dataclass(frozen=True)
class IndirectnessRule:
    serious_share: float
    classes: tuple[IndirectClass, ...]


@dataclass(frozen=True)
class PublicationBiasRule:
    min_k: int
    egger_p: float


@dataclass(frozen=True)
class GradeRules:
    """All rules of the certainty rating (see the README section "Certainty of evidence (GRADE)")."""

    scales: Mapping[str, ScaleRule]
    risk_of_bias: RiskOfBiasRule
    inconsistency: InconsistencyRule
    indirectness: IndirectnessRule
    imprecision: ImprecisionRule
    publication_bias: PublicationBiasRule
    windows: Mapping[str, Text]
    source: str = "config/config.yaml"

    @classmethod
    def from_config(
        cls,
        grade_cfg: Mapping[str, Any],
        mcid: float,
        *,
        windows: tuple[str, ...] | list[str] | None = None,
        source: str = "config/config.yaml",
    ) -> GradeRules:
        """Build and check the rules from the ``grade`` block; ``mcid`` is ``figures.mcid.value``.

        The threshold of ``pain_0_100`` defaults to ``mcid`` when the block omits it (or sets null).
        ``windows`` (e.g. the ids of ``extraction.windows``), when given, must each have a phrase in
        ``grade.windows``. Errors raise ``InputError(source, …, field="grade.<key>")``.
        """
        r = _Reader(source)
        cfg = r.mapping(grade_cfg, "grade")
        r.keys(
            cfg,
            "grade",
            required=(
                "scales",
                "risk_of_bias",
                "inconsistency",
                "indirectness",
                "imprecision",
                "publication_bias",
                "windows",
            ),
        )
        if not (isinstance(mcid, int | float) and not isinstance(mcid, bool) and mcid > 0):
            raise InputError(
                source, f"must be a number > 0, got {mcid!r}", field="figures.mcid.value"
            )
        rules = cls(
            scales=_scales(r, cfg["scales"], float(mcid)),
            risk_of_bias=_risk_of_bias(r, cfg["risk_of_bias"]),
            inconsistency=_inconsistency(r, cfg["inconsistency"]),
            indirectness=_indirectness(r, cfg["indirectness"]),
            imprecision=_imprecision(r, cfg["imprecision"]),
            publication_bias=_publication_bias(r, cfg["publication_bias"]),
            windows=_windows(r, cfg["windows"]),
            source=source,
        )
        missing = [w for w in windows or () if w not in rules.windows]
        if missing:
            raise InputError(
                source, f"no phrase for window(s): {', '.join(missing)}", field="grade.windows"
            )
        return rules

    def scale(self, scale: str) -> ScaleRule:
        """The rule of one scale; a scale without rules is a configuration error."""
        if scale not in self.scales:
            raise InputError(
                self.source, f"no GRADE rules for scale {scale!r}", field=f"grade.scales.{scale}"
            )
        return self.scales[scale]

    def window(self, window: str) -> Text:
        if window not in self.windows:
            raise InputError(
                self.source, f"no phrase for window {window!r}", field=f"grade.windows.{window}"
            )
        return self.windows[window]


def ois_continuous(sd: float, delta: float, alpha: float, power: float) -> int:
    """Participants (both arms) for a two-arm trial detecting a mean difference ``delta``.

    n per arm = 2 (z_{1-alpha/2} + z_{power})² sd² / delta², rounded up; total = 2 × n per arm
    (two-sided z-test, equal allocation; the standard normal-approximation sample size).
    """
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    return 2 * math.ceil(2 * z**2 * sd**2 / delta**2)


def ois_binary(control_risk: float, relative_change: float, alpha: float, power: float) -> int:
    """Participants (both arms) to detect a change of the control risk p_c by ``relative_change``.

    p_t = p_c (1 + relative_change); n per arm = (z_{1-alpha/2} + z_{power})² [p_c(1-p_c) + p_t(1-p_t)]
    / (p_t - p_c)², rounded up; total = 2 × n per arm. This is the calculation behind GRADE's figure of
    the OIS by control event rate and relative risk reduction (Guyatt et al. 2011, GRADE guidelines 6,
    J Clin Epidemiol 64:1283), which suggests 20-30 % for the relative change.
    """
    treated = control_risk * (1 + relative_change)
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    variance = control_risk * (1 - control_risk) + treated * (1 - treated)
    return 2 * math.ceil(z**2 * variance / (treated - control_risk) ** 2)


class _Reader:
    """Typed access to the config block; every failure names the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, message: str) -> InputError:
        return InputError(self.source, message, field=field)

    def mapping(self, value: Any, field: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(field, f"must be a mapping, got {type(value).__name__}")
        return value

    def keys(
        self,
        cfg: Mapping[str, Any],
        field: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> None:
        unknown = sorted(set(cfg) - set(required) - set(optional))
        if unknown:
            raise self.fail(f"{field}.{unknown[0]}", "unknown key")
        missing = [k for k in required if k not in cfg]
        if missing:
            raise self.fail(f"{field}.{missing[0]}", "required key is missing")

    def number(
        self,
        value: Any,
        field: str,
        *,
        low: float | None = None,
        high: float | None = None,
        open_low: bool = False,
        open_high: bool = False,
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.fail(field, f"must be a number, got {value!r}")
        too_low = low is not None and (value <= low if open_low else value < low)
        too_high = high is not None and (value >= high if open_high else value > high)
        if too_low or too_high:
            lo = "" if low is None else f"{'>' if open_low else '>='} {low:g}"
            hi = "" if high is None else f"{'<' if open_high else '<='} {high:g}"
            raise self.fail(
                field, f"must be {' and '.join(x for x in (lo, hi) if x)}, got {value!r}"
            )
        return float(value)

    def integer(self, value: Any, field: str, *, low: int, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"must be an integer, got {value!r}")
        return int(self.number(value, field, low=low, high=high))

    def boolean(self, value: Any, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(field, f"must be true or false, got {value!r}")
        return value

    def choice(self, value: Any, field: str, options: tuple[str, ...]) -> str:
        if value not in options:
            raise self.fail(field, f"must be one of {', '.join(options)}, got {value!r}")
        return str(value)

    def text(self, value: Any, field: str) -> Text:
        cfg = self.mapping(value, field)
        self.keys(cfg, field, required=LANGS)
        for lang in LANGS:
            if not isinstance(cfg[lang], str) or not cfg[lang].strip():
                raise self.fail(f"{field}.{lang}", "must be a non-empty text")
        return (" ".join(cfg["en"].split()), " ".join(cfg["de"].split()))


def _ois(r: _Reader, value: Any, field: str, threshold: float, scale: str) -> tuple[int, Text]:
    cfg = r.mapping(value, field)
    method = r.choice(cfg.get("method"), f"{field}.method", ("fixed", "continuous", "binary"))
    if method == "fixed":
        r.keys(cfg, field, required=("method", "n"), optional=("basis",))
        n = r.integer(cfg["n"], f"{field}.n", low=1)
        basis = r.text(cfg["basis"], f"{field}.basis") if "basis" in cfg else ("fixed", "fest")
        return n, basis
    common = ("method", "alpha", "power")
    alpha_f, power_f = f"{field}.alpha", f"{field}.power"
    if method == "continuous":
        r.keys(cfg, field, required=(*common, "sd"), optional=("delta",))
        alpha = r.number(cfg["alpha"], alpha_f, low=0, high=1, open_low=True, open_high=True)
        power = r.number(cfg["power"], power_f, low=0, high=1, open_low=True, open_high=True)
        sd = r.number(cfg["sd"], f"{field}.sd", low=0, open_low=True)
        delta = threshold
        if cfg.get("delta") is not None:
            delta = r.number(cfg["delta"], f"{field}.delta", low=0, open_low=True)
        n = ois_continuous(sd, delta, alpha, power)
        en = f"two-arm trial, SD {sd:g}, difference {delta:g}, alpha {alpha:g}, power {power:g}"
        de = f"Studie mit zwei Armen, SD {sd:g}, Differenz {delta:g}, Alpha {alpha:g}, Power {power:g}"
        return n, (en, de.replace(".", ","))
    r.keys(cfg, field, required=(*common, "control_risk", "relative_change"))
    alpha = r.number(cfg["alpha"], alpha_f, low=0, high=1, open_low=True, open_high=True)
    power = r.number(cfg["power"], power_f, low=0, high=1, open_low=True, open_high=True)
    risk_f, change_f = f"{field}.control_risk", f"{field}.relative_change"
    risk = r.number(cfg["control_risk"], risk_f, low=0, high=1, open_low=True, open_high=True)
    change = r.number(cfg["relative_change"], change_f, low=0, open_low=True)
    if not risk * (1 + change) < 1:
        raise r.fail(change_f, f"control_risk × (1 + relative_change) must stay below 1 ({scale})")
    n = ois_binary(risk, change, alpha, power)
    en = (
        f"two-arm trial, control risk {risk:.0%}, relative change {change:.0%}, "
        f"alpha {alpha:g}, power {power:g}"
    )
    de = (
        f"Studie mit zwei Armen, Kontrollrisiko {risk * 100:g} %, relative Änderung "
        f"{change * 100:g} %, Alpha {alpha:g}, Power {power:g}"
    )
    return n, (en, de.replace(".", ","))


def _scales(r: _Reader, value: Any, mcid: float) -> dict[str, ScaleRule]:
    cfg = r.mapping(value, "grade.scales")
    if not cfg:
        raise r.fail("grade.scales", "must name at least one scale")
    scales = {}
    for scale, entry in cfg.items():
        field = f"grade.scales.{scale}"
        if scale not in SCALES:
            raise r.fail(field, f"unknown scale (one of {', '.join(SCALES)})")
        entry = r.mapping(entry, field)
        r.keys(entry, field, required=("benefit", "ois"), optional=("threshold",))
        threshold = entry.get("threshold")
        if threshold is None:
            if scale != MCID_SCALE:
                raise r.fail(f"{field}.threshold", "required key is missing")
            threshold = mcid
        threshold = r.number(threshold, f"{field}.threshold", low=0, open_low=True)
        benefit = r.choice(entry["benefit"], f"{field}.benefit", BENEFITS)
        n, basis = _ois(r, entry["ois"], f"{field}.ois", threshold, scale)
        scales[scale] = ScaleRule(threshold, benefit, n, basis)
    return scales


def _share(r: _Reader, value: Any, field: str) -> float:
    return r.number(value, field, low=0, high=100, open_high=True)


def _risk_of_bias(r: _Reader, value: Any) -> RiskOfBiasRule:
    f = "grade.risk_of_bias"
    cfg = r.mapping(value, f)
    r.keys(
        cfg,
        f,
        required=(
            "serious_share",
            "count_some_concerns",
            "very_serious_high_share",
            "not_assessed_levels",
        ),
    )
    very = cfg["very_serious_high_share"]
    return RiskOfBiasRule(
        serious_share=_share(r, cfg["serious_share"], f"{f}.serious_share"),
        count_some_concerns=r.boolean(cfg["count_some_concerns"], f"{f}.count_some_concerns"),
        very_serious_high_share=None
        if very is None
        else _share(r, very, f"{f}.very_serious_high_share"),
        not_assessed_levels=r.integer(
            cfg["not_assessed_levels"], f"{f}.not_assessed_levels", low=0, high=1
        ),
    )


def _inconsistency(r: _Reader, value: Any) -> InconsistencyRule:
    f = "grade.inconsistency"
    cfg = r.mapping(value, f)
    r.keys(cfg, f, required=("serious_i2", "very_serious_i2", "prediction_interval", "pi_min_k"))
    serious = r.number(cfg["serious_i2"], f"{f}.serious_i2", low=0, high=100, open_low=True)
    very = r.number(cfg["very_serious_i2"], f"{f}.very_serious_i2", low=0, high=100, open_low=True)
    if very < serious:
        raise r.fail(f"{f}.very_serious_i2", f"must be >= serious_i2 ({serious:g})")
    return InconsistencyRule(
        serious_i2=serious,
        very_serious_i2=very,
        prediction_interval=r.boolean(cfg["prediction_interval"], f"{f}.prediction_interval"),
        pi_min_k=r.integer(cfg["pi_min_k"], f"{f}.pi_min_k", low=2),
    )


def _indirectness(r: _Reader, value: Any) -> IndirectnessRule:
    f = "grade.indirectness"
    cfg = r.mapping(value, f)
    r.keys(cfg, f, required=("serious_share", "classes"))
    classes = []
    by_dimension = r.mapping(cfg["classes"], f"{f}.classes")
    for dimension, entries in by_dimension.items():
        field = f"{f}.classes.{dimension}"
        if dimension not in DIMENSIONS:
            raise r.fail(field, f"unknown dimension (one of {', '.join(DIMENSIONS)})")
        for class_id, why in r.mapping(entries or {}, field).items():
            classes.append(
                IndirectClass(dimension, str(class_id), r.text(why, f"{field}.{class_id}"))
            )
    return IndirectnessRule(_share(r, cfg["serious_share"], f"{f}.serious_share"), tuple(classes))


def _imprecision(r: _Reader, value: Any) -> ImprecisionRule:
    f = "grade.imprecision"
    cfg = r.mapping(value, f)
    r.keys(cfg, f, required=("unknown_n_levels", "count_null_for_trivial"))
    return ImprecisionRule(
        unknown_n_levels=r.integer(cfg["unknown_n_levels"], f"{f}.unknown_n_levels", low=0, high=1),
        count_null_for_trivial=r.boolean(
            cfg["count_null_for_trivial"], f"{f}.count_null_for_trivial"
        ),
    )


def _publication_bias(r: _Reader, value: Any) -> PublicationBiasRule:
    f = "grade.publication_bias"
    cfg = r.mapping(value, f)
    r.keys(cfg, f, required=("min_k", "egger_p"))
    return PublicationBiasRule(
        min_k=r.integer(cfg["min_k"], f"{f}.min_k", low=3),
        egger_p=r.number(
            cfg["egger_p"], f"{f}.egger_p", low=0, high=1, open_low=True, open_high=True
        ),
    )


def _windows(r: _Reader, value: Any) -> dict[str, Text]:
    cfg = r.mapping(value, "grade.windows")
    if not cfg:
        raise r.fail("grade.windows", "must name at least one window")
    return {str(w): r.text(phrase, f"grade.windows.{w}") for w, phrase in cfg.items()}
