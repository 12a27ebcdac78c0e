"""The one translation table (de/en) for every figure label, alt text and caption, and number
formatting per language.

German follows Duden house style: "95-%-Konfidenzintervall" (hyphens in compounds with a symbol),
an en dash for ranges ("0–100"), a decimal comma, a narrow no-break space between a number and
"%" ("12 %"), thousands grouped by a narrow no-break space from five digits on ("12 345"), and no
abbreviation a patient would not know ("Wochen", not "Wo.").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from spinereview.errors import SpinereviewError

LANGUAGES = ("de", "en")
MINUS = "\u2212"
NNBSP = "\u202f"  # narrow no-break space: "12 %", "12 345"

# key -> {language: text}; ``{name}`` fields are filled by ``tr``.
TABLE: dict[str, dict[str, str]] = {
    # follow-up windows
    "window.immediate": {"de": "Sofort", "en": "Immediate"},
    "window.short": {"de": "Kurzfristig", "en": "Short term"},
    "window.intermediate": {"de": "Mittelfristig", "en": "Intermediate term"},
    "window.long": {"de": "Langfristig", "en": "Long term"},
    "window.le": {"de": "bis {n} Wochen", "en": "≤ {n} wk"},
    "window.lt": {"de": "unter {n} Wochen", "en": "< {n} wk"},
    "window.range_le": {"de": "über {a} bis {b} Wochen", "en": "> {a} to ≤ {b} wk"},
    "window.range_lt": {"de": "über {a} bis unter {b} Wochen", "en": "> {a} to < {b} wk"},
    "window.from_gt": {"de": "über {n} Wochen", "en": "> {n} wk"},
    "window.from_ge": {"de": "ab {n} Wochen", "en": "≥ {n} wk"},
    "weeks": {"de": "{n} Wochen", "en": "{n} wk"},
    "week": {"de": "{n} Woche", "en": "{n} wk"},
    "percent": {"de": "{v}\u202f%", "en": "{v}%"},
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
    "scale.log_rr": {
        "de": "Risikoverhältnis (logarithmische Skala)",
        "en": "Risk ratio (log scale)",
    },
    "scale.log_or": {"de": "Odds Ratio (logarithmische Skala)", "en": "Odds ratio (log scale)"},
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
    "col.effect": {"de": "{measure} [95-%-KI]", "en": "{measure} [95% CI]"},
    "pooled": {"de": "Gepoolt (k = {k}, n = {n})", "en": "Pooled (k = {k}, n = {n})"},
    "pi": {"de": "Prädiktionsintervall", "en": "Prediction interval"},
    "k1": {"de": "k = 1: keine Zusammenfassung", "en": "k = 1: no pooling"},
    "k0": {"de": "keine poolbaren Daten", "en": "no poolable data"},
    "heterogeneity": {
        "de": "Heterogenität: τ² = {tau2}; I² = {i2}\u202f%; Q = {q} (df = {df}), p = {p}",
        "en": "Heterogeneity: τ² = {tau2}; I² = {i2}%; Q = {q} (df = {df}), p = {p}",
    },
    "model": {
        "de": "Zufallseffekte ({method}, {test}); Fehlerbalken: 95-%-Konfidenzintervall (KI); "
        "Raute: gepoolter Effekt; dünne Linie: 95-%-Prädiktionsintervall",
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
    "article.values": {"de": "Differenz [95-%-KI]", "en": "Difference [95% CI]"},
    "article.better": {"de": "besser mit Infiltration", "en": "better with injection"},
    "article.worse": {"de": "besser mit Kontrolle", "en": "better with control"},
    "article.band": {
        "de": "klinisch relevante Schwelle (±{mcid} Punkte, Gruppenunterschied, Urteil)",
        "en": "clinically important threshold (±{mcid} points, between-group, judgement)",
    },
    "article.own": {
        "de": "Diese Übersicht, gegen {comparator} · k = {k}",
        "en": "This review, vs {comparator} · k = {k}",
    },
    "article.own_short": {
        "de": "Diese Übersicht, gegen {comparator}",
        "en": "This review, vs {comparator}",
    },
    "article.own_detail": {
        "de": "k = {k} · Vertrauenswürdigkeit (GRADE, eigene Bewertung): {level}",
        "en": "k = {k} · certainty (GRADE, this review's rating): {level}",
    },
    "article.or": {"de": " oder ", "en": " or "},
    "article.not_reported": {"de": "nicht berichtet", "en": "not reported"},
    "article.k_n_not_reported": {"de": "k, n nicht berichtet", "en": "k, n not reported"},
    "article.legend_own": {
        "de": "Diese Übersicht: gepoolter Effekt, 95-%-Konfidenzintervall (KI)",
        "en": "This review: pooled effect, 95% CI",
    },
    "article.legend_review": {
        "de": "Publizierte Übersicht (eigene Form je Review), 95-%-KI",
        "en": "Published review (one shape per review), 95% CI",
    },
    "article.pi": {
        "de": "95-%-Prädiktionsintervall (ab k = {k})",
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
    "map.k_unknown": {"de": "k unbekannt", "en": "k unknown"},
    "comparator.placebo_sham": {"de": "Placebo/Scheinbehandlung", "en": "placebo/sham"},
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
        "Übersicht (Zufallseffekte, {methods}) mit 95-%-Konfidenzintervall, k = Zahl der Studien; "
        "hohle Kreise (k = 1): Einzelstudie, nicht gepoolt; dünne Linie: 95-%-Prädiktionsintervall "
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
    # alt texts (first paragraph of <name>.alt.<lang>.txt) and plain-language captions (second)
    "alt.ci": {
        "de": "{est} (95-%-Konfidenzintervall {low} bis {high})",
        "en": "{est} (95% confidence interval {low} to {high})",
    },
    "alt.studies": {"de": "{k} Studien", "en": "{k} studies"},
    "alt.study": {"de": "1 Studie", "en": "1 study"},
    "alt.article": {
        "de": "Diagramm „{title}“. Es zeigt den Unterschied im Schmerz auf einer Skala von 0 bis "
        "100 Punkten zwischen Infiltration und Kontrollbehandlung, getrennt nach Injektionsart und "
        "Zeit seit der Infiltration. Negative Werte bedeuten weniger Schmerz mit Infiltration. Ein "
        "schraffiertes Band markiert ±{mcid} Punkte, die Schwelle für einen klinisch relevanten "
        "Unterschied. {panels}",
        "en": "Chart “{title}”. It shows the difference in pain on a scale from 0 to 100 points "
        "between injection and control treatment, by injection type and time since the injection. "
        "Negative values mean less pain with the injection. A hatched band marks ±{mcid} points, the "
        "threshold for a clinically important difference. {panels}",
    },
    "alt.article_caption": {
        "de": "Je weiter links ein Punkt liegt, desto stärker linderte die Infiltration den Schmerz "
        "im Vergleich mit der Kontrollbehandlung; die Linie zeigt, wie unsicher das Ergebnis ist. "
        "Im schraffierten Band (±{mcid} Punkte) ist ein Unterschied so klein, dass Patientinnen und "
        "Patienten ihn kaum bemerken. Bei {inside} von {shown} gezeigten Ergebnissen liegt der "
        "geschätzte Unterschied in diesem Band, bei {beyond} außerhalb zugunsten der Infiltration.",
        "en": "The further left a point lies, the more the injection relieved pain compared with "
        "the control treatment; the line shows how uncertain the result is. Within the hatched band "
        "(±{mcid} points) a difference is so small that patients hardly notice it. For {inside} of "
        "{shown} results shown the estimated difference lies within this band, for {beyond} beyond "
        "it in favour of the injection.",
    },
    "alt.forest": {
        "de": "Forest-Plot „{title}“: Ergebnisse der einzelnen Studien und der gepoolte Effekt je "
        "Zeitraum; Maß: {scale}. {windows}",
        "en": "Forest plot “{title}”: the individual studies' results and the pooled effect per "
        "window; measure: {scale}. {windows}",
    },
    "alt.forest_pooled": {
        "de": "{window}: {studies}, gepoolter Effekt {ci}",
        "en": "{window}: {studies}, pooled effect {ci}",
    },
    "alt.forest_single": {
        "de": "{window}: 1 Studie, {ci}, nicht gepoolt",
        "en": "{window}: 1 study, {ci}, not pooled",
    },
    "alt.no_data": {"de": "{window}: keine Daten", "en": "{window}: no data"},
    "alt.forest_caption": {
        "de": "Jede Zeile ist eine Studie: Das Quadrat zeigt ihr Ergebnis, die Linie die "
        "Unsicherheit (95-%-Konfidenzintervall); je größer das Quadrat, desto mehr Gewicht hat die "
        "Studie. Die Raute fasst die Studien eines Zeitraums zusammen. Werte links der Linie „kein "
        "Unterschied“ sprechen für die Infiltration.",
        "en": "Each row is one study: the square shows its result, the line its uncertainty (95% "
        "confidence interval); the bigger the square, the more weight the study has. The diamond "
        "combines the studies of one window. Values left of the line of no difference favour the "
        "injection.",
    },
    "alt.prisma": {
        "de": "PRISMA-2020-Flussdiagramm der Studienauswahl: {db} Datensätze aus Datenbanken und "
        "{other} aus anderen Quellen gefunden; {duplicates} Duplikate entfernt; {screened} "
        "Datensätze gesichtet, {records_excluded} ausgeschlossen; {assessed} Berichte auf Eignung "
        "geprüft, {reports_excluded} ausgeschlossen; eingeschlossen: {studies} Studien in {reports} "
        "Berichten.",
        "en": "PRISMA 2020 flow diagram of study selection: {db} records found in databases and "
        "{other} from other sources; {duplicates} duplicates removed; {screened} records screened, "
        "{records_excluded} excluded; {assessed} reports assessed for eligibility, "
        "{reports_excluded} excluded; included: {studies} studies in {reports} reports.",
    },
    "alt.prisma_caption": {
        "de": "Das Diagramm zeigt Schritt für Schritt, wie aus allen gefundenen Veröffentlichungen "
        "die Studien ausgewählt wurden, die in diese Übersicht eingehen, und wie viele bei jedem "
        "Schritt aus welchem Grund ausschieden.",
        "en": "The diagram shows step by step how the studies in this review were chosen from all "
        "publications found, and how many were left out at each step and why.",
    },
    "alt.map": {
        "de": "Evidenzkarte: {rows} Vergleiche in {n_windows} Zeiträumen ({windows}); {filled} "
        "Felder mit Daten, {empty} ohne. Vertrauenswürdigkeit der Felder mit Daten: {levels}.",
        "en": "Evidence map: {rows} comparisons in {n_windows} windows ({windows}); {filled} cells "
        "with data, {empty} without. Certainty of the cells with data: {levels}.",
    },
    "alt.map_caption": {
        "de": "Jede Zeile ist ein Vergleich, jede Spalte ein Zeitraum nach der Infiltration. Die "
        "Farbe zeigt, wie vertrauenswürdig das Ergebnis ist; graue Felder haben keine Daten; "
        "schraffierte Felder zeigen die Bewertung, die eine publizierte Übersicht selbst angibt.",
        "en": "Each row is one comparison, each column a window after the injection. The colour "
        "shows how certain the result is; grey cells have no data; hatched cells show the rating a "
        "published review gives itself.",
    },
    "alt.funnel": {
        "de": "Trichterdiagramm „{title}“: {k} Studien, Effekt gegen Standardfehler; gepoolter "
        "Effekt {est}.",
        "en": "Funnel plot “{title}”: {k} studies, effect against standard error; pooled effect "
        "{est}.",
    },
    "alt.funnel_caption": {
        "de": "Jeder Kreis ist eine Studie; kleine, ungenaue Studien liegen unten. Ist der Trichter "
        "ungleichmäßig gefüllt, fehlen womöglich kleine Studien mit ungünstigem Ergebnis.",
        "en": "Each circle is one study; small, imprecise studies lie at the bottom. An unevenly "
        "filled funnel may mean that small studies with unfavourable results are missing.",
    },
    "alt.rob": {
        "de": "Ampeldiagramm zum Verzerrungsrisiko (RoB 2) für {n} Studien in fünf Bereichen und "
        "gesamt. Gesamturteil: {overall}.",
        "en": "Traffic-light plot of the risk of bias (RoB 2) for {n} studies in five domains and "
        "overall. Overall judgement: {overall}.",
    },
    "alt.rob_caption": {
        "de": "Für jede Studie zeigt eine Farbe mit Symbol, wie groß das Risiko ist, dass ihr "
        "Ergebnis verzerrt ist: + niedrig, − einige Bedenken, × hoch, ? keine Angabe.",
        "en": "For each study a colour with a symbol shows how likely its result is to be biased: "
        "+ low, − some concerns, × high, ? no information.",
    },
    "alt.count": {"de": "{label} {n}", "en": "{label} {n}"},
    "alt.none": {"de": "keine", "en": "none"},
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
    "prisma.screened_withheld": {
        "de": "davon {n} ohne Datensatz (von PubMed zurückgehalten), ungescreent weitergegeben",
        "en": "of which {n} without a record (withheld by PubMed), passed on unscreened",
    },
    "not_retrieved.withheld_by_pubmed": {
        "de": "von PubMed zurückgehalten (efetch)",
        "en": "withheld by PubMed (efetch)",
    },
    "alt.prisma_not_retrieved": {
        "de": "{n} Berichte nicht beschafft (von PubMed zurückgehalten).",
        "en": "{n} reports not retrieved (withheld by PubMed).",
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
    """A follow-up time in weeks, whole numbers without decimals ("1 Woche", "6 Wochen")."""
    return tr("week" if float(value) == 1.0 else "weeks", lang, n=plain(value, lang))


def integer(value: int, lang: str) -> str:
    """A count: "1,316" (en); German groups thousands from five digits on ("1316", "12 345")."""
    if lang == "de":
        return f"{value:,}".replace(",", NNBSP) if abs(value) >= 10000 else str(value)
    return f"{value:,}"


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
