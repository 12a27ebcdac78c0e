"""GRADE certainty of a pooled cell: five domains rated by explicit rules, a reason for each, statements.

Pure and deterministic (no I/O). Rating starts at high (randomised trials) and goes down by the levels of
risk of bias, inconsistency, indirectness, imprecision and publication bias, to very low at most. Every
domain yields a ``Downgrade`` — also with 0 levels, saying why. The sign convention of the pipeline holds:
negative estimates favour the injection on every scale (pain, disability, and responders as a risk
difference in percentage points, where negative means more responders with the injection).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from spinereview.evidence.rules import (
    DIMENSIONS,
    LANGS,
    ROB_JUDGEMENTS,
    GradeRules,
    IndirectClass,
    ScaleRule,
    Text,
)
from spinereview.evidence.wording import (
    LEVELS,
    levels_text,
    number,
    percent,
    size_of,
    statement,
)

__all__ = [
    "DOMAINS",
    "CellEvidence",
    "Certainty",
    "Downgrade",
    "GradeRules",
    "StudyEvidence",
    "rate_cell",
]

#: The five GRADE domains, in the order of a summary-of-findings table.
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")


@dataclass(frozen=True)
class StudyEvidence:
    """One study (comparison) of a pooled cell, as the certainty rules see it.

    ``weight_percent`` is its weight in the pooled estimate (None when unknown); ``intervention`` …
    ``duration`` are its screening classes; ``rob_overall`` its RoB 2 overall judgement (``low``,
    ``some_concerns``, ``high``; None = not assessed); ``uncertain`` marks curator-flagged data.
    """

    study_id: str
    weight_percent: float | None = None
    intervention: str = ""
    comparator: str = ""
    population: str = ""
    duration: str = ""
    rob_overall: str | None = None
    uncertain: bool = False

    def __post_init__(self) -> None:
        if self.rob_overall is not None and self.rob_overall not in ROB_JUDGEMENTS:
            raise ValueError(
                f"{self.study_id}: rob_overall {self.rob_overall!r} is not one of "
                f"{', '.join(ROB_JUDGEMENTS)} or None"
            )
        if self.weight_percent is not None and not self.weight_percent >= 0:
            raise ValueError(f"{self.study_id}: weight_percent must be >= 0")

    def classes(self, dimension: str) -> str:
        return str(getattr(self, dimension))


@dataclass(frozen=True)
class CellEvidence:
    """One pooled cell (analysis × window) with k ≥ 1 and the studies in it.

    ``n`` is the number of participants (None when unknown); ``i2`` is in percent; ``pi_*`` is the
    prediction interval (None when not computed); ``egger_p`` the p-value of Egger's test (None when
    not run). ``question`` holds the analysis's own classes by dimension (its ``interventions`` and
    ``comparators`` from config), e.g. ``{"comparator": ("local_anaesthetic",)}`` for steroid vs local
    anaesthetic: a class rated indirect in the config is direct for an analysis that asks only about
    indirect classes on that dimension; an analysis that also names a direct class (placebo_sham)
    keeps it indirect.
    """

    analysis_id: str
    window: str
    scale: str
    k: int
    n: int | None
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    i2: float | None
    egger_p: float | None
    studies: tuple[StudyEvidence, ...]
    question: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"{self.analysis_id}/{self.window}"
        if self.k < 1:
            raise ValueError(f"{where}: k = {self.k}; only cells with k >= 1 get a certainty")
        if len(self.studies) != self.k:
            raise ValueError(f"{where}: k = {self.k} but {len(self.studies)} studies given")
        if not self.ci_low <= self.ci_high:
            raise ValueError(f"{where}: ci_low > ci_high")
        if (self.pi_low is None) != (self.pi_high is None):
            raise ValueError(f"{where}: give both prediction-interval bounds or neither")
        if self.i2 is not None and not 0 <= self.i2 <= 100:
            raise ValueError(f"{where}: i2 must be a percentage")
        if self.egger_p is not None and not 0 <= self.egger_p <= 1:
            raise ValueError(f"{where}: egger_p must lie in [0, 1]")
        if self.n is not None and self.n < 0:
            raise ValueError(f"{where}: n must be >= 0")
        unknown = sorted(set(self.question) - set(DIMENSIONS))
        if unknown:
            raise ValueError(f"{where}: unknown question dimension {unknown[0]!r}")


@dataclass(frozen=True)
class Downgrade:
    """The rating of one domain: 0, 1 or 2 levels down, and why (also when 0)."""

    domain: str
    levels: int
    reason_en: str
    reason_de: str

    def reason(self, lang: str) -> str:
        return self.reason_de if lang == "de" else self.reason_en


@dataclass(frozen=True)
class Certainty:
    """The certainty of a cell: level, the five domain ratings, the statement and the effect size.

    ``notes_*`` say things a reader should know that are not downgrades (curator-flagged data).
    """

    level: str
    downgrades: tuple[Downgrade, ...]
    statement_en: str
    statement_de: str
    size: str
    notes_en: tuple[str, ...] = ()
    notes_de: tuple[str, ...] = ()

    @property
    def total_levels(self) -> int:
        """Sum of the domain downgrades (before the floor at very low)."""
        return sum(d.levels for d in self.downgrades)

    def statement(self, lang: str) -> str:
        return self.statement_de if lang == "de" else self.statement_en


def _down(domain: str, levels: int, en: str, de: str, rule_key: str = "") -> Downgrade:
    """A domain rating whose reasons end in "; downgraded one level." (or "not downgraded.").

    ``rule_key`` names the config key of a rule that decided the levels by itself ("by rule (key)").
    """
    tail_en, tail_de = levels_text(levels, "en"), levels_text(levels, "de")
    if rule_key:
        tail_en = f"{tail_en} by rule ({rule_key})"
        tail_de = f"nach Regel ({rule_key}) {tail_de}"
    return Downgrade(domain, levels, f"{en}; {tail_en}.", f"{de}; {tail_de}.")


#: Dimension names in German reasons (class ids stay codes, as in the tables).
_DIMENSION_DE = {
    "intervention": "Intervention",
    "comparator": "Kontrolle",
    "population": "Population",
    "duration": "Dauer",
}


def _shares(studies: Sequence[StudyEvidence]) -> tuple[list[float], bool]:
    """Each study's share in percent: of the weight, or of the studies when a weight is missing."""
    weights = [s.weight_percent for s in studies]
    if all(w is not None for w in weights):
        total = sum(w for w in weights if w is not None)
        if total > 0:
            return [100 * (w or 0.0) / total for w in weights], True
    return [100 / len(studies)] * len(studies), False


def _share_of(shares: list[float], picked: Sequence[bool]) -> float:
    # Rounded so that 50 % made of float weights compares as exactly 50 %.
    return round(sum(s for s, p in zip(shares, picked, strict=True) if p), 6)


def _basis(by_weight: bool) -> Text:
    if by_weight:
        return "of the weight", "des Gewichts"
    return (
        "of the weight, counting studies equally (weights missing)",
        "des Gewichts, Studien gleich gezählt (Gewichte fehlen)",
    )


def _ids(studies: Sequence[StudyEvidence], picked: Sequence[bool]) -> str:
    return ", ".join(s.study_id for s, p in zip(studies, picked, strict=True) if p)


def _risk_of_bias(cell: CellEvidence, rules: GradeRules) -> Downgrade:
    """High-risk share > very_serious_high_share → 2; share of concern > serious_share → 1."""
    rule = rules.risk_of_bias
    if all(s.rob_overall is None for s in cell.studies):
        return _down(
            "risk_of_bias",
            rule.not_assessed_levels,
            "Risk of bias not assessed (no RoB 2 judgement for any study of this cell)",
            "Verzerrungsrisiko nicht bewertet (keine RoB-2-Bewertung für eine Studie dieser Zelle)",
            "grade.risk_of_bias.not_assessed_levels",
        )
    studies = cell.studies
    shares, by_weight = _shares(studies)
    basis_en, basis_de = _basis(by_weight)
    high = [s.rob_overall == "high" for s in studies]
    concern = [
        s.rob_overall == "high"
        or (rule.count_some_concerns and s.rob_overall == "some_concerns")
        or (rule.not_assessed_levels > 0 and s.rob_overall is None)
        for s in studies
    ]
    high_share, concern_share = _share_of(shares, high), _share_of(shares, concern)
    very = rule.very_serious_high_share
    if very is not None and high_share > very:
        return _down(
            "risk_of_bias",
            2,
            f"Studies at high risk of bias carry {percent(high_share, 'en', very)} {basis_en} "
            f"({_ids(studies, high)}), more than {percent(very, 'en')}",
            f"Studien mit hohem Verzerrungsrisiko tragen {percent(high_share, 'de', very)} {basis_de} "
            f"({_ids(studies, high)}), mehr als {percent(very, 'de')}",
        )
    kinds_en, kinds_de = ["at high risk"], ["mit hohem Risiko"]
    if rule.count_some_concerns:
        kinds_en.append("with some concerns")
        kinds_de.append("mit einigen Bedenken")
    if rule.not_assessed_levels > 0 and any(s.rob_overall is None for s in studies):
        kinds_en.append("without a judgement")
        kinds_de.append("ohne Bewertung")
    listed = f" ({_ids(studies, concern)})" if any(concern) else ""
    serious = concern_share > rule.serious_share
    return _down(
        "risk_of_bias",
        1 if serious else 0,
        f"Studies {' or '.join(kinds_en)} carry "
        f"{percent(concern_share, 'en', rule.serious_share)} {basis_en}"
        f"{listed}, {'more than' if serious else 'not more than'} "
        f"{percent(rule.serious_share, 'en')}",
        f"Studien {' oder '.join(kinds_de)} tragen "
        f"{percent(concern_share, 'de', rule.serious_share)} {basis_de}"
        f"{listed}, {'mehr als' if serious else 'nicht mehr als'} "
        f"{percent(rule.serious_share, 'de')}",
    )


def _spans(low: float, high: float, t: float) -> bool:
    """An interval spans an important effect and no effect (or the other direction), either side."""
    return (low <= -t and high >= 0) or (high >= t and low <= 0)


def _interval(low: float, high: float, lang: str) -> str:
    joint = "bis" if lang == "de" else "to"
    return f"{number(low, lang)} {joint} {number(high, lang)}"


def _inconsistency(cell: CellEvidence, rules: GradeRules, scale: ScaleRule) -> Downgrade:
    rule, t = rules.inconsistency, scale.threshold
    if cell.k == 1:
        return _down(
            "inconsistency",
            0,
            "Not applicable: a single study",
            "Nicht anwendbar: eine einzelne Studie",
        )
    if cell.i2 is None:
        return _down("inconsistency", 0, "I² not available", "I² nicht verfügbar")
    i2 = cell.i2
    near = rule.serious_i2
    i2_en, i2_de = f"I² = {percent(i2, 'en', near)}", f"I² = {percent(i2, 'de', near)}"
    use_pi = rule.prediction_interval and cell.pi_low is not None and cell.k >= rule.pi_min_k
    if not use_pi:
        why_en = "not computed" if cell.pi_low is None else f"not used (k < {rule.pi_min_k})"
        why_de = (
            "nicht berechnet" if cell.pi_low is None else f"nicht verwendet (k < {rule.pi_min_k})"
        )
        if not rule.prediction_interval:
            why_en, why_de = "not used (rule)", "nicht verwendet (Regel)"
        serious = i2 >= rule.serious_i2
        op = "≥" if serious else "<"
        return _down(
            "inconsistency",
            1 if serious else 0,
            f"{i2_en} ({op} {percent(rule.serious_i2, 'en')}); prediction interval {why_en}",
            f"{i2_de} ({op} {percent(rule.serious_i2, 'de')}); Vorhersageintervall {why_de}",
        )
    lo, hi = cell.pi_low, cell.pi_high
    assert lo is not None and hi is not None
    pi_en = f"the prediction interval ({_interval(lo, hi, 'en')})"
    pi_de = f"das Vorhersageintervall ({_interval(lo, hi, 'de')})"
    tt_en, tt_de = number(t, "en", 0), number(t, "de", 0)
    if i2 >= rule.very_serious_i2 and lo <= -t and hi >= t:
        return _down(
            "inconsistency",
            2,
            f"{i2_en} (≥ {percent(rule.very_serious_i2, 'en')}) and {pi_en} spans an important "
            f"benefit (≤ −{tt_en}) and an important harm (≥ {tt_en})",
            f"{i2_de} (≥ {percent(rule.very_serious_i2, 'de')}) und {pi_de} reicht von einem "
            f"wichtigen Nutzen (≤ −{tt_de}) bis zu einem wichtigen Schaden (≥ {tt_de})",
        )
    by_i2 = i2 >= rule.serious_i2
    # The PI reflects heterogeneity only when there is some (I² > 0); with I² = 0 it equals the CI,
    # which imprecision rates, so it is not counted twice.
    by_pi = i2 > 0 and _spans(lo, hi, t)
    op = "≥" if by_i2 else "<"
    span_en = "spans" if by_pi else "does not span both"
    span_de = "umfasst zugleich" if by_pi else "umfasst nicht zugleich"
    pi_part_en = (
        f"{pi_en} {span_en} an important effect (±{tt_en}) and no effect or the opposite direction"
    )
    pi_part_de = (
        f"{pi_de} {span_de} einen wichtigen Effekt (±{tt_de}) und keinen oder einen "
        "gegenteiligen Effekt"
    )
    if i2 == 0 and _spans(lo, hi, t):
        pi_part_en = f"{pi_en} equals the CI when I² = 0 (rated under imprecision)"
        pi_part_de = (
            f"{pi_de} entspricht bei I² = 0 dem Konfidenzintervall (unter Ungenauigkeit bewertet)"
        )
    return _down(
        "inconsistency",
        1 if by_i2 or by_pi else 0,
        f"{i2_en} ({op} {percent(rule.serious_i2, 'en')}); {pi_part_en}",
        f"{i2_de} ({op} {percent(rule.serious_i2, 'de')}); {pi_part_de}",
    )


def _class_name(c: IndirectClass, lang: str) -> str:
    dimension = _DIMENSION_DE[c.dimension] if lang == "de" else c.dimension
    return f"{dimension} {c.class_id}"


def _asked_only_about_indirect(
    cell: CellEvidence, classes: Sequence[IndirectClass], c: IndirectClass
) -> bool:
    """The analysis asks about ``c`` and only about indirect classes on that dimension.

    Then ``c`` is the question (steroid vs local anaesthetic), not a stand-in for it. An analysis that
    also names a direct class (placebo_sham and local_anaesthetic) asks the direct question and admits
    the indirect class as a proxy, so there the class stays indirect.
    """
    own = cell.question.get(c.dimension, ())
    indirect = {x.class_id for x in classes if x.dimension == c.dimension}
    return c.class_id in own and all(x in indirect for x in own)


def _indirectness(cell: CellEvidence, rules: GradeRules) -> Downgrade:
    """Studies with a configured indirect class carry > serious_share → down 1.

    A class is direct for a cell whose analysis asks only about it (see
    ``_asked_only_about_indirect``).
    """
    rule = rules.indirectness
    exempt = [c for c in rule.classes if _asked_only_about_indirect(cell, rule.classes, c)]
    active = [c for c in rule.classes if c not in exempt]
    hits = [[c for c in active if s.classes(c.dimension) == c.class_id] for s in cell.studies]
    picked = [bool(h) for h in hits]
    shares, by_weight = _shares(cell.studies)
    share = _share_of(shares, picked)
    basis = _basis(by_weight)
    text: dict[str, str] = {}
    for i, lang in enumerate(LANGS):
        exempt_part = ""
        if exempt:
            names = ", ".join(_class_name(c, lang) for c in exempt)
            exempt_part = (
                f"; {names}: Fragestellung dieser Analyse, hier also direkt"
                if lang == "de"
                else f"; {names}: the question of this analysis, so direct here"
            )
        if not any(picked):
            names = ", ".join(_class_name(c, lang) for c in active)
            if lang == "de":
                head = "Keine Studie hat eine als indirekt eingestufte Klasse"
            else:
                head = "No study has a class rated indirect"
            text[lang] = f"{head}{f' ({names})' if names else ''}{exempt_part}"
            continue
        details = "; ".join(
            f"{_class_name(c, lang)} ({c.why[i]}): "
            + ", ".join(s.study_id for s, h in zip(cell.studies, hits, strict=True) if c in h)
            for c in active
            if any(c in h for h in hits)
        )
        serious = share > rule.serious_share
        limit = percent(rule.serious_share, lang)
        if lang == "de":
            compare = "mehr als" if serious else "nicht mehr als"
            shown = percent(share, lang, rule.serious_share)
            head = f"Indirekte Studien tragen {shown} {basis[i]}, {compare} {limit}"
        else:
            compare = "more than" if serious else "not more than"
            shown = percent(share, lang, rule.serious_share)
            head = f"Indirect studies carry {shown} {basis[i]}, {compare} {limit}"
        text[lang] = f"{head}: {details}{exempt_part}"
    serious = any(picked) and share > rule.serious_share
    return _down("indirectness", 1 if serious else 0, text["en"], text["de"])


def _imprecision(cell: CellEvidence, rules: GradeRules, scale: ScaleRule, size: str) -> Downgrade:
    """Thresholds −T, 0, +T strictly inside the CI: 1 → down 1, ≥ 2 → down 2; none → the OIS.

    For a trivial point estimate (size ``little_or_no``) the question is whether the effect is
    important, so 0 is not counted unless ``count_null_for_trivial`` (GRADE guidance 34: the target
    of the certainty rating decides which thresholds matter).
    """
    t = scale.threshold
    marks = (
        (-t, "an important benefit", "ein wichtiger Nutzen"),
        (0.0, "no effect", "kein Effekt"),
        (t, "an important harm", "ein wichtiger Schaden"),
    )
    trivial = size == "little_or_no" and not rules.imprecision.count_null_for_trivial
    if trivial:
        marks = (marks[0], marks[2])
    inside = [m for m in marks if cell.ci_low < m[0] < cell.ci_high]
    ci_en = f"The CI ({_interval(cell.ci_low, cell.ci_high, 'en')})"
    ci_de = f"Das Konfidenzintervall ({_interval(cell.ci_low, cell.ci_high, 'de')})"
    if trivial:
        tt_en, tt_de = number(t, "en", 0), number(t, "de", 0)
        ci_en += f" around a trivial estimate (within ±{tt_en}, so 0 is not a threshold here)"
        ci_de += (
            f" um einen unerheblichen Schätzwert (innerhalb ±{tt_de}, 0 ist hier keine Schwelle)"
        )
    if inside:
        levels = min(len(inside), 2)
        en = ", ".join(f"{number(v, 'en', 0)} ({w})" for v, w, _ in inside)
        de = ", ".join(f"{number(v, 'de', 0)} ({w})" for v, _, w in inside)
        return _down(
            "imprecision",
            levels,
            f"{ci_en} includes {len(inside)} of the thresholds: {en}",
            f"{ci_de} enthält {len(inside)} der Schwellen: {de}",
        )
    tt = ", ".join(number(v, "en", 0) for v, _, _ in marks)
    tt_de = ", ".join(number(v, "de", 0) for v, _, _ in marks)
    ois_en = f"the optimal information size ({scale.ois} participants; {scale.ois_basis[0]})"
    ois_de = f"optimale Informationsgröße ({scale.ois} Teilnehmende; {scale.ois_basis[1]})"
    lead_en = f"{ci_en} includes none of {tt}"
    lead_de = f"{ci_de} enthält keine der Schwellen {tt_de}"
    if cell.n is None:
        levels = rules.imprecision.unknown_n_levels
        return _down(
            "imprecision",
            levels,
            f"{lead_en}; the number of participants is unknown, so {ois_en} could not be checked",
            f"{lead_de}; die Zahl der Teilnehmenden ist unbekannt, daher konnte die {ois_de} nicht "
            "geprüft werden",
            "grade.imprecision.unknown_n_levels",
        )
    if cell.n < scale.ois:
        return _down(
            "imprecision",
            1,
            f"{lead_en}, but n = {cell.n} is below {ois_en}",
            f"{lead_de}, aber n = {cell.n} liegt unter der {ois_de.replace('optimale', 'optimalen', 1)}",
        )
    return _down(
        "imprecision",
        0,
        f"{lead_en}, and n = {cell.n} reaches {ois_en}",
        f"{lead_de}, und n = {cell.n} erreicht die {ois_de}",
    )


def _publication_bias(cell: CellEvidence, rules: GradeRules) -> Downgrade:
    rule = rules.publication_bias
    if cell.k < rule.min_k:
        return _down(
            "publication_bias",
            0,
            f"Not assessed (k = {cell.k} < {rule.min_k}; Egger's test needs at least {rule.min_k} studies)",
            f"Nicht bewertet (k = {cell.k} < {rule.min_k}; der Egger-Test braucht mindestens "
            f"{rule.min_k} Studien)",
        )
    if cell.egger_p is None:
        return _down(
            "publication_bias",
            0,
            "Egger's test not available",
            "Egger-Test nicht verfügbar",
        )
    p_en, p_de = number(cell.egger_p, "en", 3), number(cell.egger_p, "de", 3)
    limit_en, limit_de = f"{rule.egger_p:g}", f"{rule.egger_p:g}".replace(".", ",")
    if cell.egger_p < rule.egger_p:
        return _down(
            "publication_bias",
            1,
            f"Egger's test p = {p_en} (< {limit_en}) suggests small-study effects",
            f"Egger-Test p = {p_de} (< {limit_de}) weist auf Effekte kleiner Studien hin",
        )
    return _down(
        "publication_bias",
        0,
        f"Egger's test p = {p_en} (≥ {limit_en}): no sign of small-study effects",
        f"Egger-Test p = {p_de} (≥ {limit_de}): kein Hinweis auf Effekte kleiner Studien",
    )


def _uncertain_notes(cell: CellEvidence) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Curator-flagged uncertain data: a note, not a downgrade (extraction, not risk of bias)."""
    flagged = [s.uncertain for s in cell.studies]
    if not any(flagged):
        return (), ()
    shares, by_weight = _shares(cell.studies)
    share = _share_of(shares, flagged)
    basis_en, basis_de = _basis(by_weight)
    ids = _ids(cell.studies, flagged)
    en = (
        f"Curator-flagged uncertain data: {ids} ({percent(share, 'en')} {basis_en}). Not a "
        "downgrade: the flag marks uncertainty of extraction, not risk of bias; the sensitivity run "
        "without uncertain rows shows its influence."
    )
    de = (
        f"Von der Kuration als unsicher markierte Daten: {ids} ({percent(share, 'de')} {basis_de}). "
        "Keine Abwertung: Die Markierung betrifft die Datenextraktion, nicht das Verzerrungsrisiko; "
        "die Sensitivitätsanalyse ohne unsichere Zeilen zeigt ihren Einfluss."
    )
    return (en,), (de,)


def _check_names(name: str, value: Mapping[str, str]) -> None:
    for lang in LANGS:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise ValueError(f"{name} needs a non-empty {lang!r} text")


def rate_cell(
    cell: CellEvidence,
    rules: GradeRules,
    *,
    intervention: Mapping[str, str],
    outcome: Mapping[str, str],
) -> Certainty:
    """Rate the certainty of one pooled cell by the configured rules (see module docstring).

    ``intervention`` and ``outcome`` name the comparison in each language for the statement: a singular
    noun phrase ({"en": "epidural steroid injection", "de": "die epidurale Steroidinjektion"}) and the
    outcome as the object ({"en": "leg pain", "de": "den Beinschmerz"}; German in the accusative).
    Raises ``InputError`` when the config has no rules for the cell's scale or window.
    """
    _check_names("intervention", intervention)
    _check_names("outcome", outcome)
    scale = rules.scale(cell.scale)
    window = dict(zip(LANGS, rules.window(cell.window), strict=True))
    size = size_of(cell.estimate, cell.ci_low, cell.ci_high, scale.threshold)
    downgrades = (
        _risk_of_bias(cell, rules),
        _inconsistency(cell, rules, scale),
        _indirectness(cell, rules),
        _imprecision(cell, rules, scale, size),
        _publication_bias(cell, rules),
    )
    total = sum(d.levels for d in downgrades)
    level = LEVELS[min(total, len(LEVELS) - 1)]
    notes_en, notes_de = _uncertain_notes(cell)
    return Certainty(
        level=level,
        downgrades=downgrades,
        statement_en=statement(level, size, scale.benefit, intervention, outcome, window, "en"),
        statement_de=statement(level, size, scale.benefit, intervention, outcome, window, "de"),
        size=size,
        notes_en=notes_en,
        notes_de=notes_de,
    )
