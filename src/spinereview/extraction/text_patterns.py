"""Regular expressions for effect labels, confidence intervals, arm statistics and terms.

Every pattern avoids nested unbounded quantifiers: repetitions of groups are bounded ({0,6}) and
each repeated group starts with a mandatory literal, so matching time stays linear in the input.
"""

from __future__ import annotations

import re

from spinereview.extraction.text_numbers import DASH_CLASS, INTEGER, NUM, NUMBER_WORD, UNSIGNED

_CI_WORD = (
    r"(?:\bCI(?:s\b|(?![A-Za-z]))|\bC\.I\.|\bKI(?![A-Za-z])|\bCrI(?:s\b|(?![A-Za-z]))|(?i:confidence\s+interval|credible\s+interval"
    r"|confidence\s+(?:limits?|bounds?))"
    r"|Konfidenzintervall|Vertrauensbereich)"
)


def ci_label(group: str | None) -> str:
    """A CI label ("95% CI", "95%-KI", "CI 95%", "confidence interval"); level in ``group``."""
    lvl = rf"(?P<{group}>\d{{2}}(?:[.,]\d)?)" if group else r"\d{2}(?:[.,]\d)?"
    lvl2 = rf"(?P<{group}2>\d{{2}}(?:[.,]\d)?)" if group else r"\d{2}(?:[.,]\d)?"
    pct = r"[\s-]?(?:%|(?i:percent|per\s+cent))"
    bracketed = r"(?:\s*[(\[](?:CI|KI)[)\]])?"  # "95% confidence interval [CI]"
    return (
        rf"(?:{lvl}{pct}[\s-]?{_CI_WORD}{bracketed}|{_CI_WORD}\s?{lvl2}{pct}|{_CI_WORD}{bracketed})"
    )


CI_LABEL_RE = re.compile(ci_label(None))
# A table header that names the level for the row: "MD (95% CI)", "Total (95% CI) 412 410 ...".
CI_HEADER_RE = re.compile(rf"[(\[]\s*{ci_label(None)}\s*[)\]]")

SEP = rf"(?:to|bis|and|und|,|;|[{DASH_CLASS}])"
# The limits named: "lower bound 1.02, upper bound 1.68", "lower 95% confidence limit 0.4, upper 2.8".
_LOWER = r"(?:(?i:lower)(?:\s+(?:bound|limit))?\s*[:=]?\s*)"
_UPPER_SEP = r"(?:\s*[,;]?\s*(?:and\s+)?(?i:upper)(?:\s+(?:bound|limit))?\s*[:=]?\s*)"
CI_SEP = rf"(?:\s*{SEP}\s*|{_UPPER_SEP})"
# A unit glued to or following a number ("6.4-point", "12.3 mm", "6.1 kgf", "7.2°", "0.8 h",
# "3.2 ODI points", "10 percentage points"); never a word that continues the sentence.
_NOT_UNIT = (
    r"(?!(?:to|bis|and|und|or|oder|vs|versus|in|for|at|of|on|per|the|was|were|is|CI|KI|CrI|p|P|n|N"
    r"|SD|IQR|from|von|with|mit|auf|than|more|less|lower|higher|larger|smaller|vs\.)\b)"
)
UNIT = (
    r"(?:\s?%|°|[\s-]?(?i:percentage[\s-]+points?)\b|[\s-]?" + _NOT_UNIT + r"[A-Za-zµ]{1,14}\b"
    r"(?:\s(?:points?|Punkte[n]?)\b)?)"
)
_EST_UNIT = UNIT
_CUR = r"[€£$]?"
# An estimate followed by its interval: "−1.3 (95% CI −13.3 to 10.7)", "1.2, 95%CI 0.9–1.6",
# "−1.3, 95% CI [−13.3, 10.7]", "0.75 [0.60; 0.94]", "−1,3 (95%-KI −13,3 bis 10,7)",
# "−1.3 (−13.3 to 10.7; 95% CI)".
EST_CI_RE = re.compile(
    rf"(?P<est>{NUM}){_EST_UNIT}?"
    rf"(?:\s*[(\[]|\s*[,;:]\s*(?={ci_label(None)}))"
    rf"\s*(?:(?i:lower)\s+)?(?:(?P<label>{ci_label('a')})\s*(?:[,:=]|\bof\b)?\s*)?"
    r"(?:(?:from|von|between)\s+)?(?:[(\[]\s*)?"
    rf"{_LOWER}?{_CUR}(?P<lo>{NUM}){UNIT}?{CI_SEP}{_CUR}(?P<hi>{NUM}){UNIT}?"
    rf"(?:\s*[,;]?\s*(?P<label_b>{ci_label('b')}))?"
    r"(?:\s*[)\]])?"
)

_DIFFERENCE = r"dif{1,2}e?re?n[cz]es?"  # also "diference", "differnce", "Diffrence"
_MEASURES = {
    "SMD": r"\b(?i:standardi[sz]ed\s+(?:mean\s+)?differences?|standardisierte[n]?\s+Mittelwertdifferenz"
    r"|Std\.?\s+mean\s+diff(?:erence|\.)?|Hedges'?\s?g|Cohen'?s\s?d)|\bSMDs?\b"
    r"|(?<![\w'’.-])[dg](?=\s*=\s*[-−+]?\s?\d?[.,·]\d)",
    "RD": r"\b(?i:(?:absolute\s+)?risk\s+differences?|absolute\s+risk\s+(?:reduction|increase)"
    r"|percentage[\s-]+points?\s+differences?|Prozentpunkt-?[Dd]ifferenz"
    r"|Risikodifferenz)|\b(?:a?RD|ARR|ARI)s?\b",
    "RR": r"\b(?i:risk\s+ratios?|relative\s+risks?(?!\s+reduction)|relative[sn]?\s+Risiko)"
    r"|\ba?RRs?\b",
    "OR": r"\b(?i:odds[\s-]+ratios?|Chancenverhältnis)|\ba?OR\b|\bAORs?\b|\bRORs?\b",
    "HR": r"\b(?i:hazard\s+ration?s?)|\ba?HRs?\b",
    "MD": r"\b(?i:(?:weighted\s+|adjusted\s+)?mean\s+(?:change\s+)?"
    + _DIFFERENCE
    + r"|Mittelwertdifferenz|mittlere\s+Differenz|Differenz\s+der\s+Mittelwerte"
    r"|(?:between[\s-](?:groups?|arms?)\s+)?"
    + _DIFFERENCE
    + r"|differ(?:ed|s)?\s+(?:between\s+(?:the\s+)?(?:groups|arms)\s+)?by"
    r"|Differenz|Unterschied)\b|\bW?MDs?\b|\bMWD\b",
}
MEASURE_RE = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _MEASURES.items()))

# Words just before a measure label that make it no effect: "95% CI for the difference",
# "within-group d", "planned to detect a difference", "minimal clinically important difference".
LABEL_NOT_EFFECT_BEFORE_RE = re.compile(
    rf"(?:{_CI_WORD}\s+(?:for|of)\s+(?:the\s+)?"
    r"|\b(?i:within[\s-](?:group|arm|patient|subject)|pre[\s-]?post|innerhalb\s+der\s+Gruppen?)"
    r"\s+(?:[^,;.()\[\]\d]{0,40}?[(\[]\s*)?"
    r"|\b(?i:detect|planned|expected|assumed|target|targeted|clinically\s+important|MCID|smallest"
    r"|powered\s+to\s+detect|minim(?:al|ally|um)\s+important|hypothesi[sz]ed|anticipated"
    r"|(?:non-?inferiority|equivalence)\s+margin|margin\s+of|threshold\s+of)"
    r"\s+(?:an?\s+|the\s+)?(?:\w+\s+)?)$"
)
# An estimate that is a threshold or an exposure, not an effect ("1.5 points or more", "6 min walk").
ESTIMATE_NOT_EFFECT_AFTER_RE = re.compile(
    r"(?:\s?\w+)?\s+(?i:or\s+more|or\s+greater|oder\s+mehr)\b"
    r"|(?:\s?\w+)?\s+(?i:(?:was|is|were|are)\s+(?:considered|regarded|deemed|taken\s+as|judged)"
    r"|galt|gilt)\b"
    r"|(?:\s?\w+)?\s+(?i:was\s+(?:chosen|set|used|defined)\s+as|as\s+the)\b[^.;]{0,40}"
    r"(?i:margin|threshold|cut-?off)"
    rf"|\s?%?\s*(?i:vs\.?|versus|v\.|gegenüber)\s*[{DASH_CLASS}+]?\s?\d"
    r"|[\s-]?(?i:min(?:ute)?s?|h|hours?|Minuten|Stunden)\b[\s-]"
    r"|\s?(?i:bpm|beats|mmHg|/min)\b"
)
# Two arms' values compared: "3.2 (95% CI 2.8 to 3.6) vs 3.5 (...)".
ARM_VS_AFTER_RE = re.compile(
    rf"[^.;()\[\]\d]{{0,25}}?\b(?i:vs\.?|versus|v\.|compared\s+with|gegenüber)\s*[{DASH_CLASS}+]?\s?\d"
)
ARM_VS_BEFORE_RE = re.compile(r"\b(?i:vs\.?|versus|v\.|compared\s+with|gegenüber)\s*$")
# A measure named for the whole passage: "Treatment effects are expressed as odds ratios."
PASSAGE_MEASURE_RE = re.compile(
    r"\b(?i:(?:expressed|reported|presented|given|shown)\s+as|we\s+(?:report|present|give))\s+"
)
# A proportion's difference: MD read as RD when these follow the label or the estimate.
RD_CONTEXT_RE = re.compile(r"\b(?i:proportions?|rates?|Anteil\w*|Quote)\b")
RD_UNIT_AFTER_RE = re.compile(r"\s?%|[\s-]?(?i:percentage[\s-]+points?|Prozentpunkte[n]?)\b")
# A difference printed in percentage points is a risk difference even without a measure word.
RD_POINTS_AFTER_RE = re.compile(
    r"[\s-]?(?i:percentage[\s-]+points?|Prozentpunkte[n]?)\b|\s?(?:pp|%-?points?)\b"
)
# A unit that makes a difference one of scores or measurements, not of proportions.
SCORE_UNIT_AFTER_RE = re.compile(r"[\s-]?(?!(?i:percentage|per\s+cent|percent|Prozent))[A-Za-zµ°]")
NAMED_OUTCOME_RE = re.compile(r"\b(?i:in|for|on|of\s+the|im|bei|für)\s+[A-Za-zÄÖÜäöü]")
# A label that names a difference of means: kept MD even with "%" or "percentage points" after.
EXPLICIT_MEAN_RE = re.compile(r"(?i:(?:weighted\s+|adjusted\s+)?mean\b|W?MD|MWD|Mittelwert)")
# An interval that names its level and sits after its estimate, maybe after words in between:
# "(95% CI 0.3 to 1.7)", "with a 95% confidence interval from 1.2 to 7.0",
# "(95% CI of the difference, 0.7 to 3.1)", "95%CI [− 2.4, 0.5]".
LOOSE_CI_RE = re.compile(
    rf"(?P<label>{ci_label('a')})(?:\s*[(\[](?:CI|KI)[)\]])?"
    r"(?:\s+(?:for|of)\s+(?:the\s+)?(?P<what>[^,:;=()\[\]\d]{0,50}?))?"
    r"\s*(?:[,:=]|\b(?:of|was|ran|ranged|ranging|is|extended|spanned|went|lay|reichte)\b)?"
    r"\s*(?:(?:from|von|between)\s+)?(?:[(\[]\s*)?"
    rf"{_LOWER}?{_CUR}(?P<lo>{NUM}){UNIT}?{CI_SEP}{_CUR}(?P<hi>{NUM}){UNIT}?"
    r"(?:\s*[)\]])?"
)

# An interval with no label that closes the estimate's parenthesis: "(RD 4%, −8% to 16%)".
BARE_CI_AFTER_RE = re.compile(
    rf"{UNIT}?\s*,\s*{_CUR}(?P<lo>{NUM}){UNIT}?\s*(?:to|bis|[{DASH_CLASS}])\s*{_CUR}(?P<hi>{NUM}){UNIT}?"
    r"(?=\s*[)\]])"
)
# A mean ± SD followed by its interval: "3.6 ± 2.2 (95% CI 3.0–4.2)" is also an estimate_ci.
ARM_CI_AFTER_RE = re.compile(
    rf"\s*[(\[]\s*(?P<label>{ci_label('a')})\s*[,:]?\s*(?P<lo>{NUM})\s*{SEP}\s*(?P<hi>{NUM})"
    r"\s*[)\]]"
)

# A gap between a label and an estimate that has no interval: "MD = −1.3", "RR of 0.8",
# "difference in leg pain at 6 weeks of 1.3" (claimed numbers in the gap are blanked first).
TIGHT_GAP_RE = re.compile(
    r"(?:\s*[)\]])?(?:\s*[(\[][^()\[\]]{0,25}[)\]])?"
    r"(?:\s+(?i:in|for|on|at|im|für|bei)\s[^\d;()\[\]]{0,60}?)?"
    r"\s*(?:[,:=]|\b(?i:of|was|were|is|amounted\s+to|betrug|von|lag\s+bei)\b)?\s*"
)

# "difference in 10 m walk", "difference for 6": a number right after a preposition is no estimate.
GAP_ENDS_IN_PREPOSITION_RE = re.compile(r"\s(?i:in|for|on|at|im|für|bei|with|mit)\s*$")

P_VALUE_RE = re.compile(
    r"(?<![\w.])[pP]\s*(?:-?\s*(?:values?|Werte?)\s*)?"
    rf"(?:(?P<op><=|>=|=<|=>|[=<>≤≥])|\s(?:of|was|von)\s)\s*(?P<num>{UNSIGNED})"
)

_SD = r"(?:SD|\bsd\b|[sS]\.[dD]\.|(?i:standard\s+deviation)|Standardabweichung)"
_IQR = r"(?:IQR|(?i:interquartile\s+range)(?:\s*[(\[]IQR[)\]])?|Interquartilsabstand)"
_RANGE = r"(?:(?i:range)|Spannweite|(?i:min(?:imum)?\s*[–-]\s*max(?:imum)?))"
_ARM_UNIT = r"(?:\s?(?:points|mm|cm|kg|%|(?:days|weeks|months|years)\b))?"
# A unit repeated inside the SD's bracket ("62 mm (18 mm)"); never "%" (a count's percentage).
_SD_UNIT = r"(?:\s?(?:points|mm|cm|kg|(?:days|weeks|months|years)\b))?"
PLUS_MINUS_RE = re.compile(
    rf"(?P<mean>{NUM}){_ARM_UNIT}\s*(?:±|\+/[-−]|\+-)\s*(?P<sd>{UNSIGNED})"
    rf"(?:\s*[(\[]?\s*{_SD}\s*[)\]]?)?"
)
# The SD in a bracket with its sign: "41.2 (±12.3)", "41.2 (± 12.3 SD)".
PLUS_MINUS_BRACKET_RE = re.compile(
    rf"(?P<mean>{NUM}){_ARM_UNIT}\s*[(\[]\s*(?:±|\+/[-−]|\+-)\s*(?P<sd>{UNSIGNED}){_SD_UNIT}"
    rf"(?:\s*{_SD})?\s*[)\]]"
)
# The SD named after its number: "42 (15 SD)".
SD_AFTER_RE = re.compile(
    rf"(?P<mean>{NUM}){_ARM_UNIT}\s*[(\[]\s*(?P<sd>{UNSIGNED}){_SD_UNIT}\s*{_SD}\s*[)\]]"
)
SD_LABELLED_RE = re.compile(
    rf"(?P<mean>{NUM}){_ARM_UNIT}\s*(?:[(\[]|[,;])\s*{_SD}\s*[=:,]?\s*(?P<sd>{UNSIGNED})(?:\s*[)\]])?"
)
# "5.2 ± 0.4 (SE)": a standard error, not an SD — not reported as mean_sd.
STANDARD_ERROR_AFTER_RE = re.compile(
    r"\s*[(\[]?\s*(?:(?i:mean)\s*(?:±|\+/[-−])\s*)?(?:SEM?\b|(?i:standard\s+error))"
)
# "mean ± SE: 0.5 ± 0.2": the header names a standard error.
DISPERSION_HEADER_RE = re.compile(
    r"\b(?i:mean)\s*(?:(?:±|\+/[-−])\s*|[(\[]\s*)"
    r"(?P<kind>SEM?\b|SD\b|(?i:standard\s+error|standard\s+deviation))"
)
MEAN_SD_HEADER_RE = re.compile(
    rf"(?:\b(?i:mean|Mittelwert)|\bMW\b)(?:\s+(?:[A-Z]{{2,6}}\b|(?i:changes?|scores?|values?)))?\s*(?:[(\[]\s*(?:±\s*)?{_SD}\s*[)\]]|(?:±|\+/-)\s*{_SD}\b)"
)
# Numbers of a sample-size calculation are no arm statistics: "a target difference of 1.0 (SD 2.0)".
ARM_NOT_BEFORE_RE = re.compile(
    r"\b(?i:target|planned|assum\w*|expected|detect|powered|power|sample\s+size|MCID|hypothesi[sz]ed"
    r"|anticipated|clinically\s+important|significance\s+level|alpha|drop-?out|attrition)\b[^.;]{0,55}$"
)
PAIR_RE = re.compile(rf"(?P<mean>{NUM}){_ARM_UNIT}\s*[(\[]\s*(?P<sd>{UNSIGNED}){_SD_UNIT}\s*[)\]]")
# A sentence that names a standard error and no SD: its "a ± b" are no SDs ("(mean ± SEM)").
SE_WORD_RE = re.compile(r"\bSEM?\b|(?i:standard\s+error)|Standardfehler")
SD_WORD_RE = re.compile(rf"{_SD}|\bSDs\b")
# A unit after a median ("4 days", "15 mg", "3 injections", "61 Jahre", "0.8 mg/kg").
_MEDIAN_UNIT = (
    r"(?:\s?%|\s?(?!(?:to|and|und|bis|vs|versus|or|oder|IQR|range)\b)[A-Za-zµäöü²]{1,12}\b"
    r"(?:/[A-Za-zµ]{1,4}[\d²]?)?)"
)
# A median's spread labelled IQR: "4 days (IQR 2–6)", "6.5 hours (interquartile range 4.0–9.0)",
# "14 points, with an IQR of 6 to 24".
MEDIAN_IQR_RE = re.compile(
    rf"(?P<median>{NUM}){_MEDIAN_UNIT}?\s*(?:[(\[]|[,;])\s*(?:(?i:with\s+an?)\s+)?{_IQR}"
    r"\s*(?:[=:,]|\b(?:of|was|von)\b)?\s*"
    rf"(?P<q1>{NUM})\s*{SEP}\s*(?P<q3>{NUM})(?:\s*[)\]])?"
)
# Two arms' values with their spreads listed after them: "median 5 vs 3 days; IQR 3–8 and 2–5,
# respectively", "mean NRS 5.6 and 5.9 (SDs 2.1 and 2.3)".
_PAIR_JOIN = r"\s*(?:,\s*)?(?:(?i:vs\.?|versus|and|und|v\.|compared\s+with|gegenüber)\s*|;\s*)"
_PAIR_OPEN = (
    r"(?:\s*,?\s*(?i:respectively))?(?:\s*[,;]\s*|\s*[(\[]\s*)(?:(?i:respectively)\s*[,;]?\s*)?"
    r"(?:(?i:with)\s+)?"
)
MEDIAN_PAIR_IQR_RE = re.compile(
    rf"(?P<a>{NUM}){_ARM_UNIT}{_PAIR_JOIN}(?P<b>{NUM}){_ARM_UNIT}{_PAIR_OPEN}"
    rf"(?:{_IQR}|IQRs|(?i:interquartile\s+ranges))\s*(?:[=:,]|\bof\b)?\s*(?P<a1>{NUM})\s*{SEP}\s*(?P<a3>{NUM}){_PAIR_JOIN}"
    rf"(?P<b1>{NUM})\s*{SEP}\s*(?P<b3>{NUM})(?:\s*[)\]])?"
)
SD_PAIR_RE = re.compile(
    rf"(?P<a>{NUM}){_ARM_UNIT}{_PAIR_JOIN}(?P<b>{NUM}){_ARM_UNIT}{_PAIR_OPEN}"
    rf"(?:{_SD}|SDs|(?i:standard\s+deviations))\s*(?:[=:,]|\bof\b)?\s*(?P<sa>{UNSIGNED}){_PAIR_JOIN}(?P<sb>{UNSIGNED})(?:\s*[)\]])?"
)
# "median (IQR)", "Md [IQR]", "median (range)": the header of the triples that follow. A median
# with its range is read as median_iqr with the extremes as q1 and q3.
MEDIAN_HEADER_RE = re.compile(rf"(?:\b(?i:median)|\bMd\b)\s*[(\[]\s*(?:{_IQR}|{_RANGE})\s*[)\]]")
# A mean named after a median header ends the header's scope: "Median age 58 (range 31–84) years;
# mean BMI 27.4 (range 19–41)".
MEAN_WORD_RE = re.compile(r"\b(?i:mean|average|Mittelwert|durchschnittlich\w*)\b|\bM\s*=")
TRIPLE_RE = re.compile(
    rf"(?P<median>{NUM}){_MEDIAN_UNIT}?\s*[(\[]\s*(?P<q1>{NUM})\s*{SEP}\s*(?P<q3>{NUM})\s*[)\]]"
)
# "median" with a quartile header within the clause: "median [25th percentile, 75th percentile]",
# "(first quartile, third quartile)", "Q1–Q3", "(25th–75th percentile)", "(median, IQR)".
MEDIAN_QUARTILE_HEADER_RE = re.compile(
    r"\b(?i:median|mediane[n]?)\b(?:[^.;]|\.(?=\d)){0,70}?(?:\bIQR\b"
    r"|(?i:interquartile|percentile|quartile|range\b)|\bQ1\b|Interquartilsabstand|Spannweite)"
    r"[^.;\d]{0,20}?(?:[)\]]|(?=\s*\d))"
)
# Quartile names inside the bracket: "(Q1–Q3, 14–30)", "(IQR 3-7)", "(25th to 75th percentile 24.1 to
# 31.0)", "(interquartile range: 2-6)"; "(Q1 5, Q3 12)" names each quartile.
_QUARTILE_NAMES = (
    r"(?:Q1\s*[–-]\s*Q3|IQR|Interquartilsabstand|Spannweite|(?i:interquartile\s+range(?:\s*[(\[]IQR[)\]])?|range"
    r"|min(?:imum)?\s*[–-]\s*max(?:imum)?|25th\s*(?:percentile\s*)?(?:[–-]|to)\s*"
    r"75th(?:\s+percentiles?)?|p25\s*[–-]\s*p75))"
)
QUARTILE_TRIPLE_RE = re.compile(
    rf"(?P<median>{NUM}){_MEDIAN_UNIT}?"
    rf"\s*(?:[(\[]\s*(?:{_QUARTILE_NAMES}\s*[,:]?\s*|(?:Q1|(?i:lower\s+quartile|quartiles))\s*[:=]?\s*)?"
    rf"|,\s*(?:{_QUARTILE_NAMES}\s*[,:]?\s*)?)"
    rf"(?P<q1>{NUM})(?:\s?[A-Za-zµ%]{{1,6}})?"
    rf"(?:\s*{SEP}\s*|\s*[,;]\s*(?:Q3|(?i:upper\s+quartile))\s*[:=]?\s*)"
    rf"(?P<q3>{NUM})(?:\s?[A-Za-zµ%]{{1,6}})?"
    r"(?:\s*[)\]])?"
)
# A bracketed quartile header with no "median" word: "Length of stay (first quartile, third
# quartile): 9 (8, 10)", "[Q1, Q3]", "(25th, 75th percentiles)".
QUARTILE_PAIR_HEADER_RE = re.compile(
    r"[(\[]\s*(?i:first\s+quartile|Q1|25th(?:\s+percentile)?|p25)\s*(?:,|;|[–-]|to)\s*"
    r"(?i:third\s+quartile|Q3|75th(?:\s+percentiles?)?|p75)\s*[)\]]"
)

_PEOPLE = (
    r"(?:patients|participants|subjects|individuals|people|persons|adults|cases|women|men"
    r"|volunteers|Patienten|Patientinnen|Teilnehmer(?:innen|n)?|Teilnehmende[n]?|Probanden)\b"
)
# Counts of studies or people: numbers followed by these are no interval limits.
COUNT_NOUN_AFTER_RE = re.compile(
    rf"\s*(?:(?i:trials?|studies|study|RCTs?|cohorts?|centres?|centers?|sites?|events|cases|arms)\b"
    rf"|{_PEOPLE})"
)
N_EQUALS_RE = re.compile(rf"(?<![\w.])[nN]\s*=\s*(?P<n>{INTEGER})")
# "Three patients in the injection group (3/50, 6%)": the count is an event count, not an n.
N_IS_EVENT_AFTER_RE = re.compile(r"[^.;()\[\]]{0,40}[(\[]\s*(?P<ev>\d+)\s*/")
N_PEOPLE_RE = re.compile(
    rf"(?P<n>{INTEGER}|\b(?i:{NUMBER_WORD}))\s+(?:[a-z][a-z-]*\s+){{0,2}}?{_PEOPLE}"
)
_TOTAL = (
    r"(?:\d{1,3}(?:[.,\u00a0\u2009\u202f]\d{3}){1,3}(?![.,·]?\d)|\d{1,3}(?: \d{3}){1,2}(?=\s+[A-Za-z])"
    r"|\d+(?![\d/]|[.,·]\d))"
)
_COUNT = rf"(?:{INTEGER}|\b(?i:{NUMBER_WORD}))"
# "4 of the 9 patients", "[140 of 1,339]", "2 (1.6%) of 125", "6 patients of 88", "18 der 24",
# "Twenty-nine of 31", "twenty-one of the twenty-six patients", "1.024 von 2.048".
EVENTS_RE = re.compile(
    rf"(?P<ev>{_COUNT})(?:\s+(?:[a-z][a-z-]*\s+)?{_PEOPLE})?(?:\s*[(\[]\s*{NUM}\s?%\s*[)\]])?"
    rf"\s*(?:/|\s(?:of|out\s+of|von|der)\s+(?:the\s+)?)\s*(?P<tot>{_TOTAL}|\b(?i:{NUMBER_WORD}))"
    rf"(?:\s+(?:[a-z][a-z-]*\s+)?{_PEOPLE})?"
)
# "k of N" that counts study units, not people with an outcome ("one of 2 groups", "2 der 3 Zentren").
# The optional word is an adjective ("one of 2 treatment groups"), never a preposition: "9/20 in
# group II" counts people.
EVENTS_NOT_PEOPLE_AFTER_RE = re.compile(
    r"\s*(?:(?!(?:in|of|at|per|from|for|im|with|who|that|had|were|patients)\b)[A-Za-z][a-z]+\s+){0,2}"
    r"(?i:groups?|Gruppen|centres?|centers?|Zentren|sites?|reviewers?|physicians?"
    r"|authors?|techniques?|arms?|raters?|surgeons?|investigators?|Ärzte[n]?|hospitals?|Kliniken"
    r"|trials?|studies|Studien|injection\s+techniques|sessions?|Sitzungen|items?|questions?|cycles?"
    r"|visits?|days|weeks|months|years|Tagen|Wochen|Monaten|levels?|segments?|domains?|criteria"
    r"|records|articles|papers|reports|databases|countries|RCTs?|cohorts?|analyses|analysis"
    r"|outcomes|endpoints|models|scenarios|Studienarm\w*|Behandlungsarm\w*|Arme[n]?|Analysen|tests?|manoeuvres?|maneuvers?"
    rf"|states|regions?|provinces?|countries|(?:time\s*)?points?|Zeitpunkte\w*)\b(?!\s+{_PEOPLE})"
)
# Scores and thresholds, not events: ">7/10", "<4/10", "3/5 or more", "Grade 3/4".
EVENTS_NOT_SLASH_BEFORE_RE = re.compile(
    r"(?:\b(?i:from|between|von|zwischen)\s+\d+\s*/\s*\d+\s+(?i:to|and|bis|und)\s*$|[<>≤≥]|=>|>=|\b(?i:grade|grad|scor\w*|score\s+of|rated|rating|at\s+least|more\s+than"
    r"|less\s+than|greater\s+than|above|below|over|under|up\s+to|from|between|mindestens|über|unter"
    r"|zwischen))\s*$"
)
# A score or grade written "k of N": "a pain score > 7 of 10", "grade 4 of 5".
EVENTS_NOT_OF_BEFORE_RE = re.compile(
    r"(?:[<>≤≥]|=>|>=|\b(?i:grade|grad|scor\w*|score\s+of|level|Stufe)"
    r"|\b(?i:rated|rating|scored)(?:\s+[A-Za-z]+){0,3})\s*$"
)
# Denominators of rating scales: "k/10" and "k/100" are scores unless they count people ("(3/10)",
# "3/10 patients", "3/10 (30%)").
SCALE_TOTALS = frozenset({5, 10, 100})  # 5: muscle strength grades ("4/5")
EVENTS_SLASH_COUNTS_BEFORE_RE = re.compile(
    rf"(?:\d|{_PEOPLE}|\b(?i:{NUMBER_WORD}))[^.;()\[\]\d]{{0,40}}[(\[]\s*$"
)
EVENTS_SLASH_COUNTS_AFTER_RE = re.compile(
    rf"(?:\s+(?:[a-z][a-z-]*\s+)?{_PEOPLE}|\s*[(\[,]\s*{NUM}\s?%)"
)
# "visit 3 of 5", "session 2 of 6", "dose 1 of 3": an ordinal position, not events.
EVENTS_NOT_POSITION_BEFORE_RE = re.compile(
    r"\b(?i:visits?|sessions?|cycles?|steps?|stages?|phases?|days?|weeks?|months?|items?"
    r"|questions?|pages?|parts?|rounds?|Sitzung|Visite|Tag|Woche)\s*$"
)
EVENTS_NOT_AFTER_RE = re.compile(
    r"\s*(?i:or\s+more|or\s+higher|oder\s+mehr|episodes)\b"
    r"|\s?(?:mmHg|mm|cm|kg|mg|ml|mL|µg|°|Hz|mmol|s)\b"
)
# A count with its percentage whose denominator is stated elsewhere: "67 (55.8%)", "9 participants
# (4.5%)"; "k of them/these" ("98 of them").
COUNT_PERCENT_RE = re.compile(
    rf"(?P<ev>{_COUNT})(?:\s+(?:[a-z][a-z-]*\s+)?{_PEOPLE})?\s*[(\[]\s*(?P<pct>{NUM})\s?%\s*[)\]]"
)
# "Among 75 participants, five had a dural tap": a count after its group size, with a verb.
COUNT_AFTER_GROUP_RE = re.compile(
    rf"\b(?i:among|of|in)\s+(?:the\s+|these\s+|all\s+)?(?P<n>{INTEGER}|\b(?i:{NUMBER_WORD}))\s+"
    rf"(?:[a-z][a-z-]*\s+){{0,2}}?{_PEOPLE}[^.;,\d]{{0,40}},\s+(?P<ev>{_COUNT})\s+"
    r"(?i:had|reported|developed|experienced|underwent|needed|required|achieved|died|responded"
    r"|improved)\b"
)
# A table's "n (%)" row header and its cells "47 (53)", up to the next row ("—") or sentence end.
N_PERCENT_HEADER_RE = re.compile(r"\b(?:[nN]|No\.|Anzahl)(?:\s*/\s*[nN])?\s*\(\s*%\s*\)")
N_PERCENT_CELL_RE = re.compile(
    rf"(?P<ev>{INTEGER})(?:\s*/\s*(?P<slash>{_TOTAL}))?\s*\(\s*(?P<pct>{NUM})\s*%?\s*\)"
    rf"(?:\s+(?:of|von)\s+(?P<tot>{_TOTAL}))?"
)
TABLE_ROW_END_RE = re.compile(r"\s[—–]\s")
# More ways to state arm sizes (denominators only): "60 and 61 patients", "n = 60 and 61",
# "randomly assigned 60 to surgery and 61 to rehabilitation", "the surgery arm (60)".
ARM_SIZES_MORE_RE = re.compile(
    rf"(?P<n>{INTEGER})\s*(?:,|and|und|vs\.?)\s*{INTEGER}\s+(?:[a-z][a-z-]*\s+)?{_PEOPLE}"
    rf"|\b[nN]\s*=\s*{INTEGER}\s*(?:,|and|und|vs\.?)\s*(?P<n2>{INTEGER})(?!\s*[%.,]?\d)"
    rf"|\b(?i:assigned|allocated|randomi[sz]ed)\s+(?P<n3>{INTEGER})\s+(?:{_PEOPLE}\s+)?(?i:to)\b"
    rf"|\b(?i:and)\s+(?P<n4>{INTEGER})\s+(?i:to)\s+(?:the\s+)?[a-z]+(?:\s+(?:group|arm))?\b"
    rf"|\b(?i:group|arm|Gruppe)\s*(?:[A-Z]{{1,3}}|[0-9])?\s*[(\[]\s*(?P<n5>{INTEGER})\s*[)\]]"
    rf"|\b(?i:group\s+sizes?|arm\s+sizes?|Gruppengröße[n]?)\s*(?i:je|jeweils|of|were|was|:|=)?\s*"
    rf"(?P<n6>{INTEGER})\b"
)
# Arm sizes with no person noun: "(60 per group)", "40 in each arm", "48 were assigned to surgery".
ARM_SIZE_RE = re.compile(
    rf"(?P<n>{INTEGER})\s+(?:{_PEOPLE}\s+)?(?:(?i:per|in\s+each|to\s+each|in\s+both|je|pro|in\s+jeder)\s+"
    r"(?i:groups?|arms?|Gruppen?|Arm|Studienarm)\b|(?i:were\s+|wurden\s+)?(?i:assigned|allocated|randomi[sz]ed)"
    r"\s+to\b)"
)
# "None of the 40 patients": zero events of 40 ("keiner der 40 Patienten").
NONE_OF_RE = re.compile(
    rf"\b(?P<ev>(?i:none|no\s+one|neither)|[Kk]eine[rnsm]?|[Nn]iemand)\s+(?:of|der|von)\s+"
    rf"(?:the\s+|den\s+)?(?P<tot>{INTEGER}|\b(?i:{NUMBER_WORD}))"
    rf"(?:\s+(?:[a-z][a-z-]*\s+)?{_PEOPLE})?"
)
# "All 32 patients in the surgery arm attended the visit": every one of N had the outcome.
ALL_OF_N_RE = re.compile(
    rf"\b(?i:all)\s+(?P<n>{INTEGER}|\b(?i:{NUMBER_WORD}))\s+(?:[a-z][a-z-]*\s+)?{_PEOPLE}"
    r"[^.;,\d]{0,50}?\b(?i:attended|completed|returned|achieved|reported|responded|recovered"
    r"|improved|developed|experienced|healed|resumed|regained)\b"
)
# Two arms' sizes in one sentence: "60 received a steroid injection and 60 received saline".
ARM_PAIR_RE = re.compile(
    rf"(?<![\w.,])(?P<a>{INTEGER}|\b(?i:{NUMBER_WORD}))\s+(?:[a-z][a-z-]*\s+)?(?:{_PEOPLE}\s+)?"
    r"(?P<verb>received|underwent|were\s+given|got)\b[^.;\d]{1,60}?\b(?:and|while|whereas)\s+"
    rf"(?P<b>{INTEGER}|\b(?i:{NUMBER_WORD}))\s+(?:[a-z][a-z-]*\s+)?(?:{_PEOPLE}\s+)?(?P=verb)\b"
)
# Arm sizes listed in a bracket: "210 participants (106 surgery, 104 physiotherapy)".
_NOT_ARM_WORD = (
    r"(?!(?i:weeks?|months?|years?|days?|hours?|min\w*|Wochen|Monate\w*|Jahre\w*|Tage\w*|mg|ml|mm|cm"
    r"|kg|points?|Punkte|times|sessions?|injections?|levels?|trials?|studies|centres?|centers?)\b)"
)
ARM_LIST_RE = re.compile(
    rf"[(\[]\s*(?P<a>{INTEGER})\s+{_NOT_ARM_WORD}[A-Za-z][a-z-]+(?:\s+[a-z-]+)?\s*"
    rf"(?:[,;]|\s(?:and|vs\.?|und))\s*(?P<b>{INTEGER})\s+{_NOT_ARM_WORD}[A-Za-z][a-z-]+"
    r"(?:\s+[a-z-]+)?\s*[)\]]"
)
# German: "erhielten 32 eine Infiltration und 32 eine Scheininjektion".
ARM_PAIR_DE_RE = re.compile(
    rf"\b(?:erhielten|bekamen)\s+(?P<a>{INTEGER}|\b(?i:{NUMBER_WORD}))\s+(?:{_PEOPLE}\s+)?"
    r"(?:eine[nm]?|die|das|den|einer)\b[^.;\d]{1,60}?\b(?:und|sowie)\s+"
    rf"(?P<b>{INTEGER}|\b(?i:{NUMBER_WORD}))\s+(?:{_PEOPLE}\s+)?(?:eine[nm]?|die|das|den|einer)\b"
)
# The rest of a cohort after its first count: "1,537 (75.1%) consented and 509 declined".
REST_COUNT_AFTER_RE = re.compile(
    rf"\s+[a-z]+(?:\s+[a-z]+)?\s*,?\s+(?:and|while|whereas|und)\s+(?P<ev>{INTEGER})\s+"
    r"(?:did\s+not\b|(?:were\s+|did\s+not\s+)?[a-z]+(?:ed|t)\b)"
)
# "Of 14 (7%)" names a denominator; "A total of 14 (7%) patients" does not.
# The arm a count belongs to: "2 (3.3%) in the injection group", "bei 5 (10 %) in der Verumgruppe".
ARM_NAMED_AFTER_RE = re.compile(
    r"(?:\s+(?:[a-z]+\s+)?(?:patients|participants))?\s*,?\s*(?:in|im|of|with)\s+(?:the\s+|der\s+)?"
    r"(?P<name>[A-Za-zÄÖÜäöü][\w-]*(?:\s+[A-Za-z][\w-]*)?)\s+(?:group|arm|cohort)\b"
)
# Words that make a number a group's size: "per group", "each of", "the arms had", "in groups of".
ARM_CONTEXT_RE = re.compile(
    r"\b(?i:per|each|both|je|pro|jeweils)\b|\b(?i:groups?|arms?|Gruppen?)\b(?:\s+(?i:had|of|with))"
    r"|\b(?i:groups?\s+of)\b|\b(?i:group|arm|Gruppe)\s*(?:[A-Z]{1,3}|[0-9])?\s*[(\[]\s*[nN]\s*="
)
COUNT_IS_DENOMINATOR_RE = re.compile(
    r"(?<![Tt]otal\s)\b(?i:among|of|von|unter)\s+(?:(?i:the|all|these|den|allen)\s+)?$"
)
COUNT_OF_THEM_RE = re.compile(
    rf"(?P<ev>{_COUNT})\s+(?:of|von)\s+(?:them|these|those|ihnen|diesen)\b"
)
# Arm sizes that may be the denominator of a later count: "Of the 120 patients", "(n = 64)".
OF_THE_N_RE = re.compile(rf"\b(?i:of|von)\s+(?:the\s+|these\s+|all\s+|den\s+)?(?P<n>{INTEGER})\b")
PERCENT_RE = re.compile(rf"(?P<num>{NUM})\s?(?:%|(?i:percent|per\s+cent)\b|Prozent\b)")
# Percentages in words: "Forty-two per cent", "Fünfzig Prozent".
PERCENT_WORD_RE = re.compile(
    rf"\b(?P<num>(?i:{NUMBER_WORD}))[\s-]+(?i:percent|per\s+cent|Prozent)\b"
)
# "a 30% improvement": a responder threshold, not a percentage of an arm.
PERCENT_THRESHOLD_CHANGE_RE = re.compile(
    r"\s*(?i:improvement|reduction|decrease|increase|relief|drop|fall|Verbesserung|Reduktion)\b"
)
PERCENT_ARTICLE_BEFORE_RE = re.compile(r"\b(?i:an?|eine[rn]?)\s+$")
PERCENT_THRESHOLD_BEFORE_RE = re.compile(
    r"(?:[<>≤≥]|=>|>=|\b(?i:at\s+least|more\s+than|less\s+than|greater\s+than|over|under|up\s+to"
    r"|above|below|exceeding|über|unter|older\s+than|younger\s+than|aged|älter\s+als|jünger\s+als"
    r"|defined\s+as(?:\s+an?)?|threshold\s+of|cut-?off\s+of|mindestens|mehr\s+als|weniger\s+als"
    r"|definiert\s+als))\s*$"
)
_DRUGS = (
    r"(?i:lidocaine|lignocaine|bupivacaine|ropivacaine|mepivacaine|procaine|lidocain"
    r"|bupivacain|saline|NaCl|dextrose|glucose|alcohol|ethanol|phenol|solution|Lösung)"
)
# Not arm statistics: "1% lidocaine", "Lidocain 1 %", "80% power", "50% or more".
PERCENT_NOT_ARM_AFTER_RE = re.compile(
    rf"\s*(?:{_DRUGS}|(?i:power|or\s+more|or\s+greater|and\s+above|oder\s+mehr|drop-?outs?"
    r"|attrition|loss\s+to\s+follow|Drop-?out))"
)
PERCENT_CONCENTRATION_BEFORE_RE = re.compile(rf"{_DRUGS}\s*$")

UNIT_NAMES = {
    "hour": r"hours?|Stunden",
    "day": r"days?|Tage[n]?|Tag",
    "week": r"weeks?|wks?|Wochen|Woche",
    "month": r"months?|mos?|Monate[n]?|Monat",
    "year": r"years?|yrs?|Jahre[n]?|Jahr",
}
_UNIT = "|".join(f"(?P<{k}>{v})" for k, v in UNIT_NAMES.items())
_AMOUNT = rf"(?:\d+(?:[.,]\d+)?|\b(?i:{NUMBER_WORD}))"
_LIST_SEP = r"(?:\s*,\s*(?:and\s+)?|\s+(?:and|or|und|oder|bzw\.?)\s+)"
FOLLOWUP_RE = re.compile(
    rf"(?<![\w.,{DASH_CLASS}])(?P<amounts>{_AMOUNT}(?:{_LIST_SEP}{_AMOUNT}){{0,6}})[\s-]?(?i:{_UNIT})\b"
)
AMOUNT_RE = re.compile(_AMOUNT)
UNIT_FIRST_RE = re.compile(
    r"\b(?i:(?P<day>day|Tag)|(?P<week>weeks?|Woche)|(?P<month>months?|Monat)|(?P<year>year|Jahr))"
    r"\s+(?P<amount>\d{1,3})(?![\w.,]?\d)(?!\s*(?:[x×]|of\s+\d|von\s+\d))"
)
FOLLOWUP_AGE_BEFORE_RE = re.compile(
    r"\b(?i:aged?|ages|age\s+of|mean\s+age|Alter|older\s+than|younger\s+than|älter\s+als"
    r"|jünger\s+als)\b[^.;]{0,15}$"
)
# Ages as an eligibility range: "zwischen 18 und 80 Jahren", "between 18 and 75 years", "18 to 80 years".
FOLLOWUP_AGE_RANGE_BEFORE_RE = re.compile(
    r"(?:\b(?i:between|zwischen|from|von)\s*|\d\s*(?:to|bis|[-–])\s*)$"
)
FOLLOWUP_AGE_AFTER_RE = re.compile(r"[\s-]*(?i:old|older|younger|of\s+age|alt|älter|jünger)\b")
FOLLOWUP_DURATION_BEFORE_RE = re.compile(
    r"(?:[>≥]|\b(?i:more\s+than|longer\s+than|at\s+least|lasting|last|past|previous|prior"
    r"|preceding|every|each|per|for\s+over|history\s+of|(?:symptoms?|pain)\s+(?:duration\s+)?(?:for|of)"
    r"|despite|(?:present|lasted|lasting|persist(?:ing|ed|s)?)\s+for(?:\s+a\s+(?:median|mean)\s+of)?"
    r"|(?:symptom|pain|sciatica|illness|complaint|disease|sick[\s-]leave)s?\s+duration"
    r"(?:\s+(?:of|was|:))?(?:\s+(?:a\s+)?(?:mean|median)(?:\s+of)?)?"
    r"|(?:Symptom|Schmerz|Beschwerde)dauer(?:\s+(?:betrug|von|lag\s+bei))?"
    r"|(?:Behandlungs|Therapie|Liege|Krankenhaus|Aufenthalts)dauer(?:\s+(?:betrug|von|lag\s+bei))?"
    r"|(?:treat\w*|therap\w*|physiotherapy|exercises?|programme|program|course|training|sessions?"
    r"|injections?|medication|drug)\b[^.;,\d]{0,25}\b(?:for|over|during)"
    r"|lasted|took|stay(?:ed)?(?:\s+(?:was|of))?(?:\s+(?:a\s+)?(?:mean|median|average)(?:\s+of)?)?"
    r"|time\s+to\s+\w+(?:\s+\w+){0,3}?(?:\s+(?:was|of))?(?:\s+(?:a\s+)?(?:mean|median)(?:\s+of)?)?"
    r"|persist(?:ing|ed|s)?|(?:\d\s?)?vs\.?|versus|gegenüber|for\s+(?:more\s+than|over|at\s+least)"
    r"|mindestens|mehr\s+als|länger\s+als|seit|jede[n]?|alle"
    r"|(?:times|x)\s+(?:per|a|each)\s+(?:day|week|month)\s+for|(?:per|a)\s+week\s+for))\s*$"
)
# "5 of 7 days", "visit 3 of 5, twelve weeks": the N of "k of N" is no follow-up time.
FOLLOWUP_OF_BEFORE_RE = re.compile(r"\b\d+\s+(?:of|von)\s+$")
# "Follow-up lasted 24 months", "followed up for 2 years": the duration is the follow-up time.
FOLLOWUP_WORD_BEFORE_RE = re.compile(
    r"\b(?i:follow(?:ed)?[\s-]?up|followed|Nachbeobachtung\w*|nachuntersucht)\b[^.;,\d]{0,25}$"
)
FOLLOWUP_INTERVAL_AFTER_RE = re.compile(
    r"\s*(?i:apart|intervals?|duration|old|or\s+(?:longer|more|greater)|oder\s+länger|shorter|longer"
    r"|fewer|less|earlier|later\s+than|course|programme|program|regimen|training|kürzer|länger)\b"
    r"|\s+(?i:of\s+(?:\w+\s+){0,2}(?:care|treatment|therapy|physiotherapy)"
    r"|before\s+(?:randomi|enrol|inclusion|study\s+entry|the\s+trial))"
)

_INSTRUMENTS = {
    "VAS": r"\b(?i:visual\s+analog(?:ue)?\s+scales?|visuelle[n]?\s+Analogskala)|\bVAS\b",
    "NRS": r"\b(?i:numeric(?:al)?\s+(?:pain\s+)?rating\s+scales?|numerische[n]?\s+Rating-?Skala)"
    r"|\bN?P?RS(?:-11)?\b",
    "ODI": r"\b(?i:Oswestry(?:\s+(?:low\s+back\s+pain\s+)?disability\s+(?:index|questionnaire"
    r"|score))?)|\bODI\b",
    "RMDQ": r"\b(?i:Roland[\s-]+Morris(?:\s+disability)?(?:\s+questionnaire)?)|\bRMDQ\b|\bRDQ\b"
    r"|\bRMQ\b",
}
INSTRUMENT_RE = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _INSTRUMENTS.items()))
_OUTCOMES = {
    "leg_pain": r"\b(?i:(?:leg|radicular|sciatic)\s+pain\b|Beinschmerz\w*|radikuläre[n]?\s+Schmerz\w*)",
    "back_pain": r"\b(?i:(?:low[\s-]+)?back\s+pain\b|Rückenschmerz\w*|Kreuzschmerz\w*)|\bLBP\b",
    "ignored": r"\b(?i:(?:neck|chest|arm|shoulder|knee|hip|abdominal|post-?operative)\s+pain)\b",
    "pain_overall": r"\b(?i:pain\b|Schmerz\w*)",
    "disability": r"\b(?i:disability\b|Behinderung\w*|Funktionseinschränkung\w*)",
    "function": r"\b(?i:(?:physical\s+)?function(?:al\s+(?:status|outcome|capacity))?\b"
    r"|Funktionsfähigkeit\b|Funktion\b)",
    "responder": r"\b(?i:responders?\b|response(?:\s+rates?)?\b|(?:treatment\s+|clinical\s+)?success\b"
    r"|successful\s+outcomes?\b|Ansprechrate\w*|Responder\w*|Therapieerfolg\w*|Erfolgsrate\w*"
    r"|Behandlungserfolg\w*)|\bAnsprechen\b",
}
OUTCOME_RE = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _OUTCOMES.items()))
