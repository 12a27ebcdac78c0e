"""The one translation table (de/en) for every figure label, and number formatting per language."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from spinereview.errors import SpinereviewError

LANGUAGES = ("de", "en")
MINUS = "\u2212"

# key -> {language: text}; ``{name}`` fields are filled by ``tr``.
TABLE: dict[str, dict[str, str]] = {
    # follow-up windows
    "window.immediate": {"de": "Sofort", "en": "Immediate"},
    "window.short": {"de": "Kurzfristig", "en": "Short term"},
    "window.intermediate": {"de": "Mittelfristig", "en": "Intermediate term"},
    "window.long": {"de": "Langfristig", "en": "Long term"},
    "window.le": {"de": "≤ {n} Wo.", "en": "≤ {n} wk"},
    "window.lt": {"de": "< {n} Wo.", "en": "< {n} wk"},
    "window.range_le": {"de": "> {a} bis ≤ {b} Wo.", "en": "> {a} to ≤ {b} wk"},
    "window.range_lt": {"de": "> {a} bis < {b} Wo.", "en": "> {a} to < {b} wk"},
    "window.from_gt": {"de": "> {n} Wo.", "en": "> {n} wk"},
    "window.from_ge": {"de": "≥ {n} Wo.", "en": "≥ {n} wk"},
    "weeks": {"de": "{n} Wo.", "en": "{n} wk"},
    "percent": {"de": "{v} %", "en": "{v}%"},
    # scales (x axis of forest plots)
    "scale.pain_0_100": {
        "de": "Mittlere Differenz Schmerz (0–100)",
        "en": "Mean difference in pain (0–100)",
    },
    "scale.disability_0_100": {
        "de": "Mittlere Differenz Funktionseinschränkung (0–100)",
        "en": "Mean difference in disability (0–100)",
    },
    "scale.responder_rd_pp": {
        "de": "Risikodifferenz Nicht-Ansprechen (Prozentpunkte)",
        "en": "Risk difference, non-response (percentage points)",
    },
    "scale.log_rr": {"de": "Risikoverhältnis (log. Skala)", "en": "Risk ratio (log scale)"},
    "scale.log_or": {"de": "Odds Ratio (log. Skala)", "en": "Odds ratio (log scale)"},
    "measure.pain_0_100": {"de": "MD", "en": "MD"},
    "measure.disability_0_100": {"de": "MD", "en": "MD"},
    "measure.responder_rd_pp": {"de": "RD", "en": "RD"},
    "measure.log_rr": {"de": "RR", "en": "RR"},
    "measure.log_or": {"de": "OR", "en": "OR"},
    "favours_injection": {"de": "← spricht für Infiltration", "en": "← favours injection"},
    "favours_control": {"de": "spricht für Kontrolle →", "en": "favours control →"},
    # forest plot
    "col.study": {"de": "Studie", "en": "Study"},
    "col.timepoint": {"de": "Zeitpunkt", "en": "Time point"},
    "col.n": {"de": "n", "en": "n"},
    "col.weight": {"de": "Gewicht", "en": "Weight"},
    "col.effect": {"de": "{measure} [95 %-KI]", "en": "{measure} [95% CI]"},
    "pooled": {"de": "Gepoolt (k = {k}, n = {n})", "en": "Pooled (k = {k}, n = {n})"},
    "pi": {"de": "Prädiktionsintervall", "en": "Prediction interval"},
    "k1": {"de": "k = 1: keine Zusammenfassung", "en": "k = 1: no pooling"},
    "k0": {"de": "keine poolbaren Daten", "en": "no poolable data"},
    "heterogeneity": {
        "de": "Heterogenität: τ² = {tau2}; I² = {i2} %; Q = {q} (df = {df}), p = {p}",
        "en": "Heterogeneity: τ² = {tau2}; I² = {i2}%; Q = {q} (df = {df}), p = {p}",
    },
    "model": {
        "de": "Zufallseffekte ({method}, {test}); Fehlerbalken 95 %-KI; "
        "Raute: gepoolter Effekt; dünne Linie: 95 %-Prädiktionsintervall",
        "en": "Random effects ({method}, {test}); bars 95% CI; "
        "diamond: pooled effect; thin line: 95% prediction interval",
    },
    "footnote.uncertain": {
        "de": "* im Extraktionsbogen als unsicher markiert",
        "en": "* flagged uncertain in the extraction sheet",
    },
    "footnote.randomised": {
        "de": "† randomisierte Teilnehmende (keine Armgrößen im Bogen)",
        "en": "† number randomised (no arm sizes in the sheet)",
    },
    "test.knha": {"de": "Hartung-Knapp", "en": "Hartung-Knapp"},
    "test.adhoc": {"de": "Hartung-Knapp (ad hoc)", "en": "Hartung-Knapp (ad hoc)"},
    "test.z": {"de": "z-Test", "en": "z test"},
    "test.t": {"de": "t-Test", "en": "t test"},
    # article figure
    "article.title": {
        "de": "Wirkung auf den Schmerz nach Zeit seit der Infiltration",
        "en": "Effect on pain by time since injection",
    },
    "article.xlabel": {
        "de": "Unterschied im Schmerz (0–100 Punkte), Infiltration minus Kontrolle",
        "en": "Difference in pain (0–100 points), injection minus control",
    },
    "article.values": {"de": "Differenz [95 %-KI]", "en": "Difference [95% CI]"},
    "article.better": {"de": "besser mit Infiltration", "en": "better with injection"},
    "article.worse": {"de": "besser mit Kontrolle", "en": "better with control"},
    "article.band": {
        "de": "klinisch relevante Schwelle (±{mcid} Punkte, Gruppenunterschied, Urteil)",
        "en": "clinically important threshold (±{mcid} points, between-group, judgement)",
    },
    "article.own": {
        "de": "Diese Übersicht, vs. {comparator} · k = {k}",
        "en": "This review, vs {comparator} · k = {k}",
    },
    "article.own_short": {
        "de": "Diese Übersicht, vs. {comparator}",
        "en": "This review, vs {comparator}",
    },
    "article.own_detail": {
        "de": "k = {k} · Vertrauenswürdigkeit (GRADE, eigene Bewertung): {level}",
        "en": "k = {k} · certainty (GRADE, this review's rating): {level}",
    },
    "article.or": {"de": " oder ", "en": " or "},
    "article.not_reported": {"de": "n. b.", "en": "n.r."},
    "article.k_n_not_reported": {"de": "k, n nicht berichtet", "en": "k, n not reported"},
    "article.legend_own": {
        "de": "Diese Übersicht: gepoolter Effekt, 95 %-KI",
        "en": "This review: pooled effect, 95% CI",
    },
    "article.legend_review": {
        "de": "Publizierte Übersicht (eigene Form je Review), 95 %-KI",
        "en": "Published review (one shape per review), 95% CI",
    },
    "article.pi": {
        "de": "95 %-Prädiktionsintervall (ab k = {k})",
        "en": "95% prediction interval (from k = {k})",
    },
    "article.single": {"de": "k = 1: Einzelstudie", "en": "k = 1: single study"},
    "article.clipped": {
        "de": "Intervall reicht über die Achse hinaus",
        "en": "interval runs beyond the axis",
    },
    "article.flagged_short": {"de": "≈ Zeitfenster", "en": "≈ window"},
    "article.flagged": {
        "de": "≈ Zeitfenster des Reviews weicht ab",
        "en": "≈ the review's window differs",
    },
    "article.no_data": {"de": "keine Daten", "en": "no data"},
    "article.no_panel": {
        "de": "Keine Injektionsart mit Daten",
        "en": "No injection class with data",
    },
    "map.title": {
        "de": "Evidenzkarte: Vergleich × Zeitraum, Farbe = Vertrauenswürdigkeit",
        "en": "Evidence map: comparison × window, colour = certainty",
    },
    "map.legend": {
        "de": "Vertrauenswürdigkeit (GRADE; schraffiert: wie das Review sie berichtet)",
        "en": "Certainty (GRADE; hatched: as the review reports it)",
    },
    "map.no_rating": {"de": "nicht bewertet/berichtet", "en": "not rated/reported"},
    "map.reported": {"de": "publizierte Übersicht", "en": "published review"},
    "map.no_data": {"de": "keine Daten", "en": "no data"},
    "comparator.placebo_sham": {"de": "Placebo/Schein", "en": "placebo/sham"},
    "comparator.local_anaesthetic": {"de": "Lokalanästhetikum", "en": "local anaesthetic"},
    "certainty.high": {"de": "hoch", "en": "high"},
    "certainty.moderate": {"de": "moderat", "en": "moderate"},
    "certainty.low": {"de": "niedrig", "en": "low"},
    "certainty.very_low": {"de": "sehr niedrig", "en": "very low"},
    "certainty.low_to_moderate": {"de": "niedrig bis moderat", "en": "low to moderate"},
    "certainty_system.GRADE": {"de": "GRADE", "en": "GRADE"},
    "certainty_system.AHRQ_SOE": {
        "de": "Evidenzstärke (AHRQ)",
        "en": "strength of evidence (AHRQ)",
    },
    "article.caption": {
        "de": "Unterschied im Schmerz (Skala 0–100; negativ = weniger Schmerz mit Infiltration) je "
        "Injektionsart und Nachbeobachtungszeitraum ({windows}). Kreise: gepoolter Effekt dieser "
        "Übersicht (Zufallseffekte, {methods}) mit 95 %-Konfidenzintervall, k = Zahl der Studien; "
        "hohle Kreise (k = 1): Einzelstudie, nicht gepoolt; dünne Linie: 95 %-Prädiktionsintervall "
        "(ab k = {pi_k}). Andere Formen: gepoolte Schätzer publizierter Übersichten, harmonisiert auf "
        "dieselbe Skala und dasselbe Vorzeichen (VAS 0–10 cm × 10), mit der Zahl der Studien (k), "
        "der Teilnehmenden (n) und der Vertrauenswürdigkeit, wie das Review sie berichtet; ≈: das "
        "Zeitfenster des Reviews entspricht diesem nur ungefähr. Nicht gezeigt: {left_out} "
        "Ergebnisse publizierter Übersichten, die nicht verifiziert, unsicher, auf einer anderen "
        "Skala (SMD, Verhältnis) oder ohne Steroid sind (Liste im Bericht). Die Achse richtet sich "
        "nach den Schätzern; breitere Intervalle enden mit einem Pfeil. Schattiertes Band: ±{mcid} "
        "Punkte. Art der Schwelle: {kind}.",
        "en": "Difference in pain (0–100 scale; negative = less pain with injection) by injection "
        "class and follow-up window ({windows}). Circles: this review's pooled effect "
        "(random effects, {methods}) with 95% confidence interval, k = number of studies; open "
        "circles (k = 1): single study, not pooled; thin line: 95% prediction interval (from "
        "k = {pi_k}). Other shapes: pooled estimates of published reviews, harmonised to the same "
        "scale and sign (VAS 0–10 cm × 10), with their number of studies (k), participants (n) and "
        "the certainty as the review reports it; ≈: the review's window matches this one only "
        "approximately. Not shown: {left_out} results of published reviews that are not verified, "
        "uncertain, on another scale (SMD, ratio) or without a steroid (listed in the report). "
        "The axis is set by the estimates; wider intervals end in an arrow. Shaded band: ±{mcid} "
        "points. Kind of threshold: {kind}.",
    },
    # funnel plot
    "funnel.ylabel": {"de": "Standardfehler", "en": "Standard error"},
    "funnel.p_gt10": {"de": "p > 0,10", "en": "p > 0.10"},
    "funnel.p10": {"de": "0,05 < p ≤ 0,10", "en": "0.05 < p ≤ 0.10"},
    "funnel.p05": {"de": "0,01 < p ≤ 0,05", "en": "0.01 < p ≤ 0.05"},
    "funnel.p01": {"de": "p ≤ 0,01", "en": "p ≤ 0.01"},
    "funnel.studies": {"de": "Studien", "en": "Studies"},
    "funnel.pooled": {"de": "Gepoolter Effekt", "en": "Pooled effect"},
    "funnel.not_drawn": {"de": "nicht gezeichnet: k < {min_k}", "en": "not drawn: k < {min_k}"},
    # PRISMA 2020
    "prisma.title": {"de": "PRISMA-2020-Flussdiagramm", "en": "PRISMA 2020 flow diagram"},
    "prisma.col_db": {
        "de": "Identifikation über Datenbanken und Register",
        "en": "Identification of studies via databases and registers",
    },
    "prisma.col_other": {
        "de": "Identifikation über andere Methoden",
        "en": "Identification of studies via other methods",
    },
    "prisma.stage_identification": {"de": "Identifikation", "en": "Identification"},
    "prisma.stage_screening": {"de": "Screening", "en": "Screening"},
    "prisma.stage_included": {"de": "Eingeschlossen", "en": "Included"},
    "prisma.identified_db": {"de": "Datensätze aus:", "en": "Records identified from:"},
    "prisma.identified_other": {"de": "Datensätze aus:", "en": "Records identified from:"},
    "prisma.database": {"de": "{name} (n = {n})", "en": "{name} (n = {n})"},
    "prisma.query": {"de": "Suche „{query}“ (n = {n})", "en": "query '{query}' (n = {n})"},
    "prisma.source": {"de": "{name} (n = {n})", "en": "{name} (n = {n})"},
    "prisma.removed": {
        "de": "Vor dem Screening entfernt:",
        "en": "Records removed before screening:",
    },
    "prisma.duplicates": {"de": "Duplikate (n = {n})", "en": "Duplicate records (n = {n})"},
    "prisma.screened": {
        "de": "Gescreente Datensätze\n(n = {n})",
        "en": "Records screened\n(n = {n})",
    },
    "prisma.records_excluded": {
        "de": "Ausgeschlossene Datensätze\n(n = {n})",
        "en": "Records excluded\n(n = {n})",
    },
    "prisma.sought": {
        "de": "Zur Beschaffung gesuchte Berichte\n(n = {n})",
        "en": "Reports sought for retrieval\n(n = {n})",
    },
    "prisma.not_retrieved": {
        "de": "Nicht beschaffte Berichte\n(n = {n})",
        "en": "Reports not retrieved\n(n = {n})",
    },
    "prisma.assessed": {
        "de": "Auf Eignung geprüfte Berichte\n(n = {n})",
        "en": "Reports assessed for eligibility\n(n = {n})",
    },
    "prisma.awaiting": {
        "de": "davon noch nicht zuzuordnen (n = {n})",
        "en": "of which awaiting classification (n = {n})",
    },
    "prisma.reports_excluded": {
        "de": "Ausgeschlossene Berichte (n = {n}):",
        "en": "Reports excluded (n = {n}):",
    },
    "prisma.reason": {"de": "{reason} (n = {n})", "en": "{reason} (n = {n})"},
    "prisma.included": {
        "de": "In den Review eingeschlossene Studien (n = {studies})\n"
        "Berichte der eingeschlossenen Studien (n = {reports})",
        "en": "Studies included in review (n = {studies})\n"
        "Reports of included studies (n = {reports})",
    },
    "prisma.included_split": {
        "de": "davon über Datenbanken {db}, über andere Methoden {other} Berichte",
        "en": "{db} reports via databases, {other} via other methods",
    },
    "reason.publication_type": {"de": "Publikationstyp", "en": "Publication type"},
    "reason.intervention": {"de": "Intervention", "en": "Intervention"},
    "reason.drug": {"de": "Injiziertes Medikament", "en": "Injected drug"},
    "reason.region": {"de": "Wirbelsäulenabschnitt", "en": "Spinal region"},
    "reason.comparator": {"de": "Vergleichsgruppe", "en": "Comparator"},
    "reason.population": {"de": "Population", "en": "Population"},
    "reason.duration": {"de": "Schmerzdauer", "en": "Pain duration"},
    "reason.reviewer_override": {"de": "Entscheidung Reviewer", "en": "Reviewer decision"},
    "source.not recorded": {"de": "Quelle nicht erfasst", "en": "source not recorded"},
    "duplicate.duplicate_pmid_across_queries": {
        "de": "gleiche PMID in mehreren Suchen",
        "en": "same PMID in several queries",
    },
    "duplicate.duplicate_doi": {"de": "gleiche DOI", "en": "same DOI"},
    "duplicate.duplicate_title": {"de": "gleicher Titel und Jahr", "en": "same title and year"},
    # risk of bias (RoB 2)
    "rob.title": {"de": "Verzerrungsrisiko (RoB 2)", "en": "Risk of bias (RoB 2)"},
    "rob.D1": {"de": "D1 Randomisierung", "en": "D1 Randomisation process"},
    "rob.D2": {"de": "D2 Abweichung von Intervention", "en": "D2 Deviations from intervention"},
    "rob.D3": {"de": "D3 Fehlende Daten", "en": "D3 Missing outcome data"},
    "rob.D4": {"de": "D4 Messung des Endpunkts", "en": "D4 Measurement of the outcome"},
    "rob.D5": {"de": "D5 Auswahl des Ergebnisses", "en": "D5 Selection of the reported result"},
    "rob.overall": {"de": "Gesamt", "en": "Overall"},
    "rob.low": {"de": "niedrig", "en": "Low"},
    "rob.some_concerns": {"de": "einige Bedenken", "en": "Some concerns"},
    "rob.high": {"de": "hoch", "en": "High"},
    "rob.no_information": {"de": "keine Angabe", "en": "No information"},
    "rob.judgement": {"de": "Bewertung", "en": "Judgement"},
    "rob.no_sheet": {
        "de": "nicht gezeichnet: kein Bogen {path}",
        "en": "not drawn: no sheet {path}",
    },
}


def check_language(lang: str) -> str:
    """Return ``lang`` if the table has it, else fail naming the languages it has."""
    if lang not in LANGUAGES:
        raise SpinereviewError(f"figure language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def tr(key: str, lang: str, **fields: Any) -> str:
    """The label ``key`` in ``lang`` with ``fields`` filled in; unknown keys fail loudly."""
    try:
        text = TABLE[key][check_language(lang)]
    except KeyError:
        raise SpinereviewError(f"no translation for figure label {key!r}") from None
    return text.format(**fields) if fields else text


def tr_or(key: str, lang: str, fallback: str) -> str:
    """The label ``key`` in ``lang``, or ``fallback`` for ids the table does not know (data ids)."""
    return tr(key, lang) if key in TABLE else fallback


def num(value: float | None, lang: str, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals, a typographic minus and the language's decimal mark."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.{digits}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")  # no "-0.0"
    text = text.replace("-", MINUS)
    return text.replace(".", ",") if lang == "de" else text


def plain(value: float, lang: str) -> str:
    """A number with no decimals when it is whole, else one (``10``, ``7,5``)."""
    return num(value, lang, 0 if float(value).is_integer() else 1)


def p_value(p: float | None, lang: str) -> str:
    """A p-value as journals print it: three decimals, or "< 0.001"."""
    if p is None:
        return "–"
    return f"< {num(0.001, lang, 3)}" if p < 0.001 else num(p, lang, 3 if p < 0.01 else 2)


def interval(low: float | None, high: float | None, lang: str, digits: int = 1) -> str:
    """``[low; high]`` (de) or ``[low, high]`` (en)."""
    sep = "; " if lang == "de" else ", "
    return f"[{num(low, lang, digits)}{sep}{num(high, lang, digits)}]"


def weeks(value: float, lang: str) -> str:
    """A follow-up time in weeks, whole numbers without decimals."""
    return tr("weeks", lang, n=plain(value, lang))


def window_label(window: str, lang: str, bounds: Mapping[str, str] | None = None) -> str:
    """The window's name, with its bounds in weeks where known (``window_bounds``)."""
    name = tr_or(f"window.{window}", lang, window)
    bound = (bounds or {}).get(window)
    return f"{name} ({bound})" if bound else name


def window_bounds(windows: Sequence[Mapping[str, Any]], lang: str) -> dict[str, str]:
    """Bounds text per window id from the extraction config (windows checked in order)."""
    out: dict[str, str] = {}
    previous: tuple[float, bool] | None = None  # (max_weeks, inclusive) of the window before
    for w in windows:
        upper = w.get("max_weeks")
        inclusive = bool(w.get("inclusive", True))
        fields = {"n": _wk(upper, lang)} if upper is not None else {}
        if previous is None and upper is not None:
            out[w["id"]] = tr("window.le" if inclusive else "window.lt", lang, **fields)
        elif upper is not None and previous is not None:
            key = "window.range_le" if inclusive else "window.range_lt"
            out[w["id"]] = tr(key, lang, a=_wk(previous[0], lang), b=_wk(upper, lang))
        elif previous is not None:
            key = "window.from_gt" if previous[1] else "window.from_ge"
            out[w["id"]] = tr(key, lang, n=_wk(previous[0], lang))
        if upper is not None:
            previous = (float(upper), inclusive)
    return out


def _wk(value: float, lang: str) -> str:
    return plain(float(value), lang)
