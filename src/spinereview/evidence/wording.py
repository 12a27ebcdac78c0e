"""GRADE informative statements (Santesso et al. 2020, GRADE guidelines 26) and number formats, en/de."""

from __future__ import annotations

from collections.abc import Mapping

#: Effect-size categories, from an important benefit to an important harm (see ``size_of``).
SIZES = ("important_benefit", "small_benefit", "little_or_no", "small_harm", "important_harm")
#: Certainty levels from the highest down; rating starts at ``high`` (randomised trials).
LEVELS = ("high", "moderate", "low", "very_low")
LEVEL_LABELS = {
    "high": {"en": "High", "de": "Hoch"},
    "moderate": {"en": "Moderate", "de": "Moderat"},
    "low": {"en": "Low", "de": "Niedrig"},
    "very_low": {"en": "Very low", "de": "Sehr niedrig"},
}
#: GRADE's symbols (⊕ per level of certainty).
LEVEL_SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very_low": "⊕◯◯◯"}
DOMAIN_LABELS = {
    "risk_of_bias": {"en": "Risk of bias", "de": "Verzerrungsrisiko"},
    "inconsistency": {"en": "Inconsistency", "de": "Inkonsistenz"},
    "indirectness": {"en": "Indirectness", "de": "Indirektheit"},
    "imprecision": {"en": "Imprecision", "de": "Ungenauigkeit"},
    "publication_bias": {"en": "Publication bias", "de": "Publikationsbias"},
}

# Hedge by certainty (Santesso 2020: high states the effect, moderate "probably", low "may").
_HEDGE = {
    "en": {"high": "", "moderate": "probably ", "low": "may "},
    "de": {"high": "", "moderate": " wahrscheinlich", "low": " möglicherweise"},
}
# Verb forms: third person after no hedge or "probably"; the base form after "may".
_VERB = {
    "reduces": {"en": ("reduces", "reduce"), "de": "verringert"},
    "increases": {"en": ("increases", "increase"), "de": "erhöht"},
}
_OPPOSITE = {"reduces": "increases", "increases": "reduces"}


def number(value: float, lang: str, digits: int = 1) -> str:
    """``value`` rounded to ``digits`` with a typographic minus; decimal comma in German."""
    text = f"{value:.{digits}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")  # no "−0.0"
    text = text.replace("-", "−")
    return text.replace(".", ",") if lang == "de" else text


def percent(value: float, lang: str, near: float | None = None) -> str:
    """A share in percent ("62%", German "62 %"), whole unless that would equal ``near``.

    ``near`` is the limit the share is compared with: 50.4 against 50 is shown as "50.4%", never as a
    "50%" that is "more than 50%".
    """
    digits = 0
    while near is not None and value != near and digits < 3:
        if number(value, lang, digits) != number(near, lang, digits):
            break
        digits += 1
    return f"{number(value, lang, digits)}{' %' if lang == 'de' else '%'}"


def levels_text(levels: int, lang: str) -> str:
    if lang == "de":
        return {1: "um eine Stufe abgewertet", 2: "um zwei Stufen abgewertet"}.get(
            levels, "keine Abwertung"
        )
    return {1: "downgraded one level", 2: "downgraded two levels"}.get(levels, "not downgraded")


def size_of(estimate: float, ci_low: float, ci_high: float, threshold: float) -> str:
    """The size category of an effect (negative favours the injection), for the statement.

    * ``important_benefit``: estimate ≤ −threshold;
    * ``small_benefit``: −threshold < estimate < 0 and the whole CI < 0;
    * ``important_harm``: estimate ≥ +threshold;
    * ``small_harm``: 0 < estimate < +threshold and the whole CI > 0;
    * ``little_or_no``: everything else (the CI includes 0 and the estimate lies within ±threshold).

    With one threshold (the MCID) "small" means an effect that the CI separates from no effect but whose
    point estimate stays below the threshold; GRADE guidelines 26 uses "slightly" for such effects.
    """
    if estimate <= -threshold:
        return "important_benefit"
    if estimate >= threshold:
        return "important_harm"
    if estimate < 0 and ci_high < 0:
        return "small_benefit"
    if estimate > 0 and ci_low > 0:
        return "small_harm"
    return "little_or_no"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def statement(
    level: str,
    size: str,
    benefit: str,
    intervention: Mapping[str, str],
    outcome: Mapping[str, str],
    window: Mapping[str, str],
    lang: str,
) -> str:
    """One informative statement by certainty and size (GRADE guidelines 26), in ``lang``.

    ``intervention`` is a singular noun phrase (German: nominative with article, "die epidurale
    Steroidinjektion"); ``outcome`` the outcome as object (German: accusative with article, "den
    Beinschmerz"); ``window`` the phrase for the follow-up window ("at short-term follow-up",
    "kurzfristig"); ``benefit`` the verb for an effect favouring the injection (reduces/increases).
    """
    x, y, when = intervention[lang], outcome[lang], window[lang]
    if level == "very_low":
        if lang == "de":
            return f"Die Evidenz ist sehr unsicher, wie {x} {when} auf {y} wirkt."
        return f"The evidence is very uncertain about the effect of {x} on {y} {when}."
    hedge = _HEDGE[lang][level]
    if size == "little_or_no":
        if lang == "de":
            return _capital(f"{x} hat {when}{hedge} wenig oder keinen Einfluss auf {y}.")
        make = "make" if level == "low" else "makes"
        return _capital(f"{x} {hedge}{make} little or no difference to {y} {when}.")
    direction = benefit if size.endswith("benefit") else _OPPOSITE[benefit]
    small = size.startswith("small")
    if lang == "de":
        verb = _VERB[direction]["de"]
        return _capital(f"{x} {verb} {y} {when}{hedge}{' leicht' if small else ''}.")
    third, base = _VERB[direction]["en"]
    verb = base if level == "low" else third
    return _capital(f"{x} {hedge}{verb} {y}{' slightly' if small else ''} {when}.")
