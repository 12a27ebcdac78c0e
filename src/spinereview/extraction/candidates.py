"""Find effect statements, arm statistics, p-values, follow-up times and outcome words in text."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import replace

from spinereview.extraction import text_patterns as pat
from spinereview.extraction.text_linking import EffectStatement, link_candidates
from spinereview.extraction.text_model import (
    ALL_KINDS,
    ARM_KINDS,
    EFFECT_KINDS,
    WEEKS_PER_UNIT,
    Candidate,
)
from spinereview.extraction.text_numbers import (
    SentenceIndex,
    Token,
    is_german,
    number_tokens,
    parse_number,
    word_value,
)
from spinereview.extraction.text_scoring import (
    Counts,
    load_corpus,
    matches,
    precision_recall,
    score,
)

__all__ = [
    "ALL_KINDS",
    "ARM_KINDS",
    "EFFECT_KINDS",
    "Candidate",
    "Counts",
    "EffectStatement",
    "extract_candidates",
    "link_candidates",
    "load_corpus",
    "matches",
    "precision_recall",
    "score",
]

# How far (characters) after an effect label its estimate may be, and after an effect its p-value.
LABEL_WINDOW = 100
P_VALUE_WINDOW = 40
_COMPARATORS = {"<=": "≤", "=<": "≤", ">=": "≥", "=>": "≥"}


class _Context:
    """The text, its sentences and number tokens, and a mask of characters already claimed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.german = is_german(text)
        self.sentences = SentenceIndex(text)
        self.claimed = bytearray(len(text))
        self.timepoints = bytearray(len(text))  # numbers claimed as follow-up times
        self.effect_labels: list[re.Match[str]] | None = None  # computed once, on first use
        self.ci_labels = bytearray(len(text))
        for m in pat.CI_LABEL_RE.finditer(text):
            self.ci_labels[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        self.tokens = number_tokens(text, self.german)
        self.token_starts = [t.start for t in self.tokens]

    def free(self, start: int, end: int) -> bool:
        """True when no character of [start, end) is claimed."""
        return self.claimed.find(1, start, end) == -1

    def claim(self, start: int, end: int) -> None:
        """Mark [start, end) as used by a candidate."""
        self.claimed[start:end] = b"\x01" * (end - start)

    def num(self, raw: str, integer: bool = False) -> float:
        """Parse a number in this text's language."""
        return parse_number(raw, self.german, integer)


def extract_candidates(text: str) -> list[Candidate]:
    """All candidates in ``text``, ordered by offset. Pure: the same text gives the same list.

    Detectors run in a fixed order and each claims the characters it used, so a number belongs to
    one statement: p-values, arm dispersion (mean ± SD, median (IQR)), follow-up times, effects,
    counts (events/n, n), percentages; outcome and instrument words are found independently.
    """
    ctx = _Context(text)
    found: list[Candidate] = []
    p_values = list(_p_values(ctx))
    found += p_values
    found += _dispersion(ctx)
    found += _followups(ctx)
    found += _effects(ctx, p_values)
    found += _counts(ctx)
    found += _percents(ctx)
    found += _terms(ctx)
    return sorted(found, key=lambda c: (c.start, c.value_start, c.kind))


def _p_values(ctx: _Context) -> Iterator[Candidate]:
    for m in pat.P_VALUE_RE.finditer(ctx.text):
        op = m.group("op") or "="
        ctx.claim(m.start(), m.end())
        yield Candidate(
            "p_value",
            m.start(),
            m.end(),
            m.start("num"),
            m.end("num"),
            p_value=ctx.num(m.group("num")),
            p_comparator=_COMPARATORS.get(op, op),
        )


def _table_counts(ctx: _Context) -> list[Candidate]:
    """Cells "47 (53)" of a table row headed "n (%)": events of the column's (n = N), and percent."""
    out: list[Candidate] = []
    sizes = _arm_sizes(ctx)
    for header in pat.N_PERCENT_HEADER_RE.finditer(ctx.text):
        end = ctx.sentences.span(header.start())[1]
        # a dash right after the header introduces the row ("n (%) — injection (n = 40): 18 (45.0)")
        row_end = pat.TABLE_ROW_END_RE.search(ctx.text, header.end() + 1, end)
        end = row_end.start() if row_end else end
        for m in pat.N_PERCENT_CELL_RE.finditer(ctx.text, header.end(), end):
            if not ctx.free(m.start(), m.end()):
                continue
            events, pct = _count_value(ctx, m.group("ev")), ctx.num(m.group("pct"))
            n = _denominator(sizes, m.start(), events, pct)
            for total in ("slash", "tot"):  # "33/60 (55.0)", "33 (55.0) of 60"
                if m.group(total) is not None:
                    n = _count_value(ctx, m.group(total))
            ctx.claim(m.start(), m.end())
            out.append(
                Candidate(
                    "events",
                    m.start("ev"),
                    m.end("ev"),
                    m.start("ev"),
                    m.end("ev"),
                    events=events,
                    n=n,
                )
            )
            out.append(
                Candidate(
                    "percent",
                    m.start("pct"),
                    m.end("pct"),
                    m.start("pct"),
                    m.end("pct"),
                    percent=pct,
                )
            )
    return out


def _dispersion(ctx: _Context) -> list[Candidate]:
    out: list[Candidate] = _table_counts(ctx)
    out += [c for m in pat.SD_PAIR_RE.finditer(ctx.text) for c in _paired(ctx, m, "mean_sd")]
    for m in pat.MEDIAN_PAIR_IQR_RE.finditer(ctx.text):
        out += _paired(ctx, m, "median_iqr")
    for regex in (
        pat.PLUS_MINUS_RE,
        pat.PLUS_MINUS_BRACKET_RE,
        pat.SD_LABELLED_RE,
        pat.SD_AFTER_RE,
    ):
        out += [c for m in regex.finditer(ctx.text) if (c := _mean_sd(ctx, m))]
    out += [c for m in pat.MEDIAN_IQR_RE.finditer(ctx.text) if (c := _median(ctx, m))]
    for header_re, item_re, make in (
        (pat.MEAN_SD_HEADER_RE, pat.PAIR_RE, _mean_sd),
        (pat.MEDIAN_HEADER_RE, pat.TRIPLE_RE, _median),
    ):
        for header in header_re.finditer(ctx.text):
            end = ctx.sentences.span(header.start())[1]
            if header_re is pat.MEDIAN_HEADER_RE:
                end = _median_scope_end(ctx, header.end(), end)
            out += [c for m in item_re.finditer(ctx.text, header.end(), end) if (c := make(ctx, m))]
    for header in pat.SD_LABELLED_RE.finditer(ctx.text):
        end = ctx.sentences.span(header.start())[1]
        out += [
            c for m in pat.PAIR_RE.finditer(ctx.text, header.end(), end) if (c := _mean_sd(ctx, m))
        ]
    for c in [c for c in out if c.kind == "mean_sd"]:
        m = pat.ARM_CI_AFTER_RE.match(ctx.text, c.end)
        if m is not None and ctx.free(m.start(), m.end()):
            tok = Token(c.value_start, c.value_end, c.mean or 0.0)
            eff = _effect(ctx, None, c.start, m, tok, (c.start, c.start))
            ctx.claim(m.start(), m.end())
            out.append(eff)
    for header in pat.MEDIAN_QUARTILE_HEADER_RE.finditer(ctx.text):
        word_end = header.start() + len("median")
        end = _median_scope_end(ctx, word_end, ctx.sentences.span(header.start())[1])
        for m in pat.QUARTILE_TRIPLE_RE.finditer(ctx.text, word_end, end):
            if (m.start() >= header.end() or m.end() > header.end()) and (c := _median(ctx, m)):
                out.append(c)
    for header in pat.QUARTILE_PAIR_HEADER_RE.finditer(ctx.text):
        end = ctx.sentences.span(header.start())[1]
        for m in pat.QUARTILE_TRIPLE_RE.finditer(ctx.text, header.end(), end):
            if (c := _median(ctx, m)) is not None:
                out.append(c)
    return out


def _mean_sd(ctx: _Context, m: re.Match[str]) -> Candidate | None:
    if not ctx.free(m.start(), m.end()) or pat.STANDARD_ERROR_AFTER_RE.match(ctx.text, m.end()):
        return None
    if pat.ARM_NOT_BEFORE_RE.search(ctx.text, max(0, m.start() - 60), m.start()):
        return None
    headers = list(
        pat.DISPERSION_HEADER_RE.finditer(ctx.text, ctx.sentences.span(m.start())[0], m.start())
    )
    if headers and headers[-1].group("kind").upper().startswith(("SE", "STANDARD E")):
        return None  # under a "mean ± SE" header
    s_start, s_end = ctx.sentences.span(m.start())
    if pat.SE_WORD_RE.search(ctx.text, s_start, s_end) and not pat.SD_WORD_RE.search(
        ctx.text, s_start, s_end
    ):
        return None  # "4.1 ± 0.3 vs 4.9 ± 0.4 (mean ± SEM)": a standard error named after
    ctx.claim(m.start(), m.end())
    return Candidate(
        "mean_sd",
        m.start(),
        m.end(),
        m.start("mean"),
        m.end("mean"),
        mean=ctx.num(m.group("mean")),
        sd=ctx.num(m.group("sd")),
    )


def _median_scope_end(ctx: _Context, start: int, end: int) -> int:
    """Where a median header stops applying: the sentence end or a mean named after it."""
    mean = pat.MEAN_WORD_RE.search(ctx.text, start, end)
    return mean.start() if mean else end


def _paired(ctx: _Context, m: re.Match[str], kind: str) -> list[Candidate]:
    """Both arms of "5 vs 3 days; IQR 3–8 and 2–5" or "5.6 and 5.9 (SDs 2.1 and 2.3)"."""
    if not ctx.free(m.start(), m.end()):
        return []
    if pat.ARM_NOT_BEFORE_RE.search(ctx.text, max(0, m.start() - 60), m.start()):
        return []
    out = []
    for arm in ("a", "b"):
        if kind == "mean_sd":
            values = {"mean": ctx.num(m.group(arm)), "sd": ctx.num(m.group(f"s{arm}"))}
        else:
            values = {
                "median": ctx.num(m.group(arm)),
                "q1": ctx.num(m.group(f"{arm}1")),
                "q3": ctx.num(m.group(f"{arm}3")),
            }
            if not values["q1"] <= values["median"] <= values["q3"]:
                ctx.claim(m.start(), m.end())  # nor is "3 days; IQR 3–8" one median
                return []  # the quartiles do not bracket the medians: no reading is safe
        out.append(Candidate(kind, m.start(arm), m.end(), m.start(arm), m.end(arm), **values))
    ctx.claim(m.start(), m.end())
    return out


def _median(ctx: _Context, m: re.Match[str]) -> Candidate | None:
    if not ctx.free(m.start(), m.end()):
        return None
    ctx.claim(m.start(), m.end())
    return Candidate(
        "median_iqr",
        m.start(),
        m.end(),
        m.start("median"),
        m.end("median"),
        median=ctx.num(m.group("median")),
        q1=ctx.num(m.group("q1")),
        q3=ctx.num(m.group("q3")),
    )


def _followups(ctx: _Context) -> list[Candidate]:
    text = ctx.text
    out: list[Candidate] = []
    for m in pat.FOLLOWUP_RE.finditer(text):
        unit = m.lastgroup or "week"
        before = text[max(0, m.start() - 50) : m.start()]
        if (
            pat.FOLLOWUP_AGE_BEFORE_RE.search(before)
            or (
                pat.FOLLOWUP_DURATION_BEFORE_RE.search(before)
                and not pat.FOLLOWUP_WORD_BEFORE_RE.search(before)
            )
            or pat.FOLLOWUP_AGE_AFTER_RE.match(text, m.end())
            or pat.FOLLOWUP_INTERVAL_AFTER_RE.match(text, m.end())
            or _age_range(ctx, m, unit)
        ):
            continue
        for a in pat.AMOUNT_RE.finditer(text, m.start("amounts"), m.end("amounts")):
            if pat.FOLLOWUP_OF_BEFORE_RE.search(text, max(0, a.start() - 12), a.start()):
                continue
            if ctx.free(a.start(), a.end()):
                out.append(_followup(ctx, a.start(), a.end(), m.end(), unit))
    for m in pat.UNIT_FIRST_RE.finditer(text):
        if ctx.free(m.start(), m.end()):
            unit = next(u for u in ("day", "week", "month", "year") if m.group(u))
            out.append(_followup(ctx, m.start("amount"), m.end("amount"), m.end(), unit, m.start()))
    return out


# Follow-up times in years are shorter than this; a range of larger numbers of years is an age.
AGE_YEARS = 16
# No trial assesses its patients this many years after randomisation: such a number is an age.
AGE_ONLY_YEARS = 30


def _age_range(ctx: _Context, m: re.Match[str], unit: str) -> bool:
    """True for an age range such as "zwischen 18 und 80 Jahren" or "18 to 75 years"."""
    if unit != "year":
        return False
    raw = [a.group() for a in pat.AMOUNT_RE.finditer(m.group("amounts"))]
    if not raw or any(not r[:1].isdigit() for r in raw):
        return False
    amounts = [ctx.num(r) for r in raw]
    before = ctx.text[max(0, m.start() - 12) : m.start()]
    ranged = len(amounts) > 1 or pat.FOLLOWUP_AGE_RANGE_BEFORE_RE.search(before) is not None
    return (ranged and min(amounts) >= AGE_YEARS) or min(amounts) >= AGE_ONLY_YEARS


def _followup(
    ctx: _Context, a_start: int, a_end: int, end: int, unit: str, start: int | None = None
) -> Candidate:
    raw = ctx.text[a_start:a_end]
    word = word_value(raw)
    amount = float(word) if word is not None else ctx.num(raw)
    ctx.claim(a_start, a_end)
    ctx.timepoints[a_start:a_end] = b"\x01" * (a_end - a_start)
    return Candidate(
        "followup",
        a_start if start is None else start,
        end,
        a_start,
        a_end,
        amount=amount,
        unit=unit,
        weeks=amount * WEEKS_PER_UNIT[unit],
    )


def _first_free_token(ctx: _Context, start: int, limit: int) -> int | None:
    """Index of the first unclaimed number token in [start, limit) that is not a CI level."""
    i = bisect_left(ctx.token_starts, start)
    while i < len(ctx.tokens) and ctx.tokens[i].start < limit:
        tok = ctx.tokens[i]
        if ctx.free(tok.start, tok.end) and not ctx.ci_labels[tok.start]:
            return i
        i += 1
    return None


def _group(m: re.Match[str], name: str) -> str | None:
    return m.groupdict().get(name)


def _level(ctx: _Context, m: re.Match[str] | None, gap: tuple[int, int]) -> float | None:
    """CI level from the interval's own label, else from a label between measure and estimate."""
    if m is not None:
        for group in ("a", "a2", "b", "b2"):
            if _group(m, group):
                return ctx.num(m.group(group))
        if _group(m, "label") or _group(m, "label_b"):
            return None
    gap_label = pat.CI_LABEL_RE.search(ctx.text, *gap)
    if gap_label:
        digits = re.search(r"\d{2}(?:[.,]\d)?", gap_label.group())
        return ctx.num(digits.group()) if digits else None
    return None


def _has_label(m: re.Match[str] | None, ctx: _Context, gap: tuple[int, int]) -> bool:
    if m is not None and (_group(m, "label") or _group(m, "label_b")):
        return True
    return pat.CI_LABEL_RE.search(ctx.text, *gap) is not None


# How far (characters) an interval that names its level may follow its estimate.
LOOSE_CI_GAP = 90
# The same when a measure label follows the estimate ("a 9.5-point difference on ... (95% CI").
LABELLED_CI_GAP = 160


def _effect_labels(ctx: _Context) -> list[re.Match[str]]:
    """Measure labels, without those that name no effect ("95% CI for the difference", MCID)."""
    if ctx.effect_labels is None:
        text = ctx.text
        ctx.effect_labels = [
            lab
            for lab in pat.MEASURE_RE.finditer(text)
            if not pat.LABEL_NOT_EFFECT_BEFORE_RE.search(
                text[max(0, lab.start() - 60) : lab.start()]
            )
        ]
    return ctx.effect_labels


def _loose_after(ctx: _Context, tok: Token, limit: int) -> re.Match[str] | None:
    """A labelled interval after ``tok`` with no free number in between ("1.0 points after X (95% CI")."""
    # the label must start within LOOSE_CI_GAP; bounding the search keeps long sentences linear
    m = pat.LOOSE_CI_RE.search(ctx.text, tok.end, min(limit, tok.end + LOOSE_CI_GAP + 250))
    if m is None or m.start() - tok.end > LOOSE_CI_GAP or not ctx.free(m.start(), m.end()):
        return None
    if _first_free_token(ctx, tok.end, m.start()) is not None:
        return None
    return m


def _not_estimate(ctx: _Context, tok: Token) -> bool:
    text = ctx.text
    return bool(
        pat.PERCENT_THRESHOLD_BEFORE_RE.search(text[max(0, tok.start - 25) : tok.start])
        or pat.ESTIMATE_NOT_EFFECT_AFTER_RE.match(text, tok.end)
        or pat.COUNT_NOUN_AFTER_RE.match(text, tok.end)  # "in 120 patients", "3 trials"
    )


def _pick_estimate(
    ctx: _Context, start: int, limit: int, intervals: dict[int, re.Match[str]]
) -> tuple[Token, re.Match[str] | None] | None:
    """The estimate after a label: the first free number with an interval, else a tight one."""
    sentence_end = ctx.sentences.span(start)[1]
    i = bisect_left(ctx.token_starts, start)
    first = True
    while i < len(ctx.tokens) and ctx.tokens[i].start < limit:
        tok = ctx.tokens[i]
        i += 1
        if not ctx.free(tok.start, tok.end) or ctx.ci_labels[tok.start]:
            continue
        m = (
            intervals.get(tok.start)
            or _loose_after(ctx, tok, sentence_end)
            or pat.BARE_CI_AFTER_RE.match(ctx.text, tok.end)
        )
        if m is not None and not _interval_ok(ctx, m, tok, (start, tok.start)):
            m = None
        if m is not None and ctx.free(m.start("lo"), m.end()):
            return tok, m
        if _not_estimate(ctx, tok):
            continue
        if first and _tight_gap(ctx, start, tok.start):
            later = _pick_estimate(ctx, tok.end, limit, intervals)
            same_clause = later is not None and later[1] is not None
            if same_clause and later is not None:
                same_clause = re.search(r"[;,]", ctx.text[tok.end : later[0].start]) is None
            # "OR for patients older than 60 years was 1.8 (95% CI ...)": the number with the
            # interval in the same clause is the estimate; the bare one belongs to the phrase.
            return later if same_clause else (tok, None)
        first = False
    return None


def _interval_ok(ctx: _Context, m: re.Match[str], tok: Token, gap: tuple[int, int]) -> bool:
    """An interval with no CI label (none in the match, the gap or a row header), or one found a few
    words after its number, must contain its estimate: "OR 1.4 (3 studies, 450 participants)",
    "12.0 (from 30.1 to 42.1)" and "In 120 patients the difference had a 95% CI of −0.2 to 1.4" are
    no estimates with intervals."""
    text = ctx.text
    if pat.COUNT_NOUN_AFTER_RE.match(text, m.end("lo")) or pat.COUNT_NOUN_AFTER_RE.match(
        text, m.end("hi")
    ):
        return False  # "(1 trial, 60 patients)"
    adjacent = m.re is not pat.LOOSE_CI_RE  # a loose interval was found by proximity only
    if adjacent and (_has_label(m, ctx, gap) or _ci_header(ctx, tok.start) is not None):
        return True
    lo, hi = ctx.num(m.group("lo")), ctx.num(m.group("hi"))
    return min(lo, hi) <= tok.value <= max(lo, hi)


def _measure(ctx: _Context, lab: re.Match[str], gap: tuple[int, int], tok: Token) -> str | None:
    """MD read as RD for differences in proportions ("23%", "percentage points", "proportion"),
    unless the label names a difference of means ("mean difference", "WMD")."""
    measure = lab.lastgroup or "MD"
    if measure != "MD" or pat.EXPLICIT_MEAN_RE.match(lab.group()):
        return measure
    if pat.RD_UNIT_AFTER_RE.match(ctx.text, tok.end) or pat.RD_CONTEXT_RE.search(ctx.text, *gap):
        return "RD"
    # "The proportion with a good outcome was 0.71 ... and 0.52 (difference 0.19; ...)": the
    # sentence is about proportions, and the estimate carries no unit of a score.
    # A difference named for another outcome ("the difference in pain was 1.2") stays MD.
    s_start = ctx.sentences.span(lab.start())[0]
    if (
        pat.RD_CONTEXT_RE.search(ctx.text, s_start, lab.start())
        and not pat.SCORE_UNIT_AFTER_RE.match(ctx.text, tok.end)
        and not pat.NAMED_OUTCOME_RE.search(ctx.text, *gap)
    ):
        return "RD"
    return measure


def _passage_measure(ctx: _Context, before: int) -> tuple[str, float | None] | None:
    """A measure named for the passage before ``before`` ("effects are expressed as odds ratios"),
    with the CI level that sentence names ("mean differences with 95% CIs"), if any."""
    for m in pat.PASSAGE_MEASURE_RE.finditer(ctx.text, 0, before):
        lab = pat.MEASURE_RE.match(ctx.text, m.end())
        if lab and lab.lastgroup:
            s_start, s_end = ctx.sentences.span(m.start())
            label = pat.CI_LABEL_RE.search(ctx.text, s_start, min(s_end, before))
            digits = re.search(r"\d{2}(?:[.,]\d)?", label.group()) if label else None
            return lab.lastgroup, (ctx.num(digits.group()) if digits else None)
    return None


def _effects(ctx: _Context, p_values: list[Candidate]) -> list[Candidate]:
    """Effects anchored on a measure label, then intervals that follow an effect in a sentence."""
    text = ctx.text
    intervals = {
        t.start: m for t in ctx.tokens if (m := pat.EST_CI_RE.match(text, t.start)) is not None
    }
    labels = _effect_labels(ctx)
    effects: list[Candidate] = []
    for i, lab in enumerate(labels):
        limit = min(lab.end() + LABEL_WINDOW, ctx.sentences.span(lab.start())[1])
        if i + 1 < len(labels):
            limit = min(limit, labels[i + 1].start())
        picked = _pick_estimate(ctx, lab.end(), limit, intervals)
        if picked is None:
            continue
        tok, m = picked
        gap = (lab.end(), tok.start)
        measure = _measure(ctx, lab, gap, tok)
        eff = _effect(ctx, measure, lab.start(), m, tok, gap)
        effects.append(_arm_value(ctx, eff, effects))
        ctx.claim(eff.start, eff.end)
    anchored = sorted(intervals.values(), key=lambda m: m.start())
    loose = [(m, None) for m in pat.LOOSE_CI_RE.finditer(text)]
    for m, tok in [(m, None) for m in anchored] + loose:
        if not ctx.free(m.start(), m.end()):
            continue
        if "est" in m.re.groupindex:
            tok = Token(m.start("est"), m.end("est"), ctx.num(m.group("est")))
            start = m.start()
        else:
            tok = _estimate_before(ctx, m.start())
            if tok is None:
                continue
            start = tok.start
        if not ctx.free(tok.start, tok.end) or not _interval_ok(ctx, m, tok, (start, start)):
            continue
        gap = (start, start)
        if not _has_label(m, ctx, gap) and (header := _ci_header(ctx, start)) is not None:
            gap = header.span()
        previous = _previous_effect(ctx, effects, start)
        what = _group(m, "what")
        named = pat.MEASURE_RE.search(what) if what else None
        if named is None and previous is None:
            named = _label_near(ctx, tok, m.start())
        if named is not None:
            eff = _effect(ctx, _measure(ctx, named, gap, tok), start, m, tok, gap)
        elif previous is not None and previous.measure is not None:
            eff = _effect(ctx, previous.measure, start, m, tok, gap)
            eff = _with_flag(eff, "measure_inherited")
            own_label = pat.CI_LABEL_RE.search(text, previous.value_end, previous.end)
            if eff.ci_level is None and previous.ci_level is not None and own_label is None:
                flags = tuple(f for f in eff.flags if not f.startswith("ci_level"))
                eff = replace(eff, ci_level=previous.ci_level, flags=flags)
        elif (passage := _passage_measure(ctx, start)) is not None:
            eff = _effect(ctx, passage[0], start, m, tok, gap)
            if eff.ci_level is None and passage[1] is not None and not _has_label(m, ctx, gap):
                flags = tuple(f for f in eff.flags if not f.startswith("ci_level"))
                eff = replace(eff, ci_level=passage[1], flags=flags)
        elif pat.RD_POINTS_AFTER_RE.match(text, tok.end):
            eff = _effect(ctx, "RD", start, m, tok, gap)
        elif _has_label(m, ctx, gap):
            eff = _effect(ctx, None, start, m, tok, gap)
        else:
            continue
        effects.append(_arm_value(ctx, eff, effects))
        ctx.claim(eff.start, eff.end)
    return _attach_p_values(ctx, sorted(effects, key=lambda c: c.start), p_values)


def _arm_value(ctx: _Context, eff: Candidate, effects: list[Candidate]) -> Candidate:
    """An estimate with its interval compared with another by "vs" is an arm's value: "The difference
    was not significant: 3.2 (95% CI 2.8 to 3.6) vs 3.5 (95% CI 3.0 to 4.0)" is two estimate_ci.
    Ratios and SMDs are never arm values, and a difference label right before the number keeps it an
    effect ("MD −1.2 (95% CI ...) vs −0.4 (95% CI ...)" compares subgroups or times)."""
    text = ctx.text
    if eff.kind != "effect" or eff.ci_low is None or eff.measure not in ("MD", "RD"):
        return eff
    arm = replace(eff, kind="estimate_ci", measure=None, flags=(*eff.flags, "arm_comparison"))
    if pat.ARM_VS_BEFORE_RE.search(text, max(0, eff.value_start - 20), eff.value_start):
        previous = _previous_effect(ctx, effects, eff.start)
        return arm if previous is not None and "arm_comparison" in previous.flags else eff
    if pat.ARM_VS_AFTER_RE.match(text, eff.end) and eff.value_start - eff.start > ADJACENT_LABEL:
        return arm
    return eff


# A label this close before its number ("MD ", "mean difference was ") makes the number an effect.
ADJACENT_LABEL = 25


def _ci_header(ctx: _Context, before: int) -> re.Match[str] | None:
    """A bracketed CI label earlier in the sentence that heads a table row ("Total (95% CI)")."""
    headers = list(pat.CI_HEADER_RE.finditer(ctx.text, ctx.sentences.span(before)[0], before))
    return headers[-1] if headers else None


def _label_near(ctx: _Context, tok: Token, ci_start: int) -> re.Match[str] | None:
    """A measure label between an estimate and its interval, else the last one before it in its
    sentence ("a 6.4-point difference on the ODI (95% CI ...)", "difference in X (...) was 0.7")."""
    between = pat.MEASURE_RE.search(ctx.text, tok.end, ci_start)
    if between is not None:
        return between
    s_start = ctx.sentences.span(tok.start)[0]
    before = [
        lab for lab in _effect_labels(ctx) if s_start <= lab.start() and lab.end() <= tok.start
    ]
    return before[-1] if before else None


def _labelled_estimate(ctx: _Context, tok: Token) -> bool:
    """True when a measure label follows the number in its phrase ("a 9.5-point between-group
    difference on the ODI"), so its interval may come later in the sentence."""
    lab = pat.MEASURE_RE.search(ctx.text, tok.end, tok.end + 40)
    return lab is not None and re.search(r"[,;.()\[\]\d]", ctx.text[tok.end : lab.start()]) is None


def _estimate_before(ctx: _Context, offset: int) -> Token | None:
    """The free number just before an interval's label, in its sentence and close to it."""
    s_start = ctx.sentences.span(offset)[0]
    i = bisect_left(ctx.token_starts, offset) - 1
    while i >= 0 and ctx.tokens[i].start >= s_start:
        tok = ctx.tokens[i]
        if ctx.ci_labels[tok.start] or ctx.timepoints[tok.start]:
            i -= 1
            continue
        gap = LABELLED_CI_GAP if _labelled_estimate(ctx, tok) else LOOSE_CI_GAP
        if not ctx.free(tok.start, tok.end) or offset - tok.end > gap:
            return None
        return None if _not_estimate(ctx, tok) else tok
    return None


def _tight_gap(ctx: _Context, start: int, end: int) -> bool:
    """True when the words between a label and a bare estimate read "MD = x", "RR of x" etc."""
    gap = "".join("x" if ctx.claimed[i] else ch for i, ch in enumerate(ctx.text[start:end], start))
    if pat.GAP_ENDS_IN_PREPOSITION_RE.search(gap):
        return False  # "difference in 10 m walk time": the number names the outcome
    return pat.TIGHT_GAP_RE.fullmatch(gap) is not None


def _previous_effect(ctx: _Context, effects: list[Candidate], offset: int) -> Candidate | None:
    sentence = ctx.sentences.index(offset)
    before = [e for e in effects if e.end <= offset and ctx.sentences.index(e.start) == sentence]
    return max(before, key=lambda e: e.end) if before else None


def _effect(
    ctx: _Context,
    measure: str | None,
    start: int,
    m: re.Match[str] | None,
    tok: Token,
    gap: tuple[int, int],
) -> Candidate:
    t_start, t_end = tok.start, tok.end
    estimate = ctx.num(ctx.text[t_start:t_end])
    flags: list[str] = []
    lo = hi = level = None
    end = t_end
    if m is not None:
        lo, hi, end = ctx.num(m.group("lo")), ctx.num(m.group("hi")), m.end()
        level = _level(ctx, m, gap)
        if level is None:
            flags.append("ci_level_unstated" if not _has_label(m, ctx, gap) else "ci_level_missing")
        if not min(lo, hi) <= estimate <= max(lo, hi):
            flags.append("ci_excludes_estimate")
        if lo > hi:
            flags.append("ci_reversed")
    kind = "effect" if measure else "estimate_ci"
    return Candidate(
        kind,
        start,
        end,
        t_start,
        t_end,
        measure=measure,
        estimate=estimate,
        ci_low=lo,
        ci_high=hi,
        ci_level=level,
        flags=tuple(flags),
    )


def _with_flag(c: Candidate, flag: str) -> Candidate:
    return replace(c, flags=(*c.flags, flag))


def _attach_p_values(
    ctx: _Context, effects: list[Candidate], p_values: list[Candidate]
) -> list[Candidate]:
    """Give an effect the first p-value within P_VALUE_WINDOW after it, before the next effect."""
    starts = [p.start for p in p_values]
    out = []
    for i, eff in enumerate(effects):
        limit = eff.end + P_VALUE_WINDOW
        if i + 1 < len(effects):
            limit = min(limit, effects[i + 1].start)
        j = bisect_left(starts, eff.end)
        same = j < len(p_values) and ctx.sentences.index(p_values[j].start) == (
            ctx.sentences.index(eff.start)
        )
        if eff.kind == "effect" and same and p_values[j].start < limit:
            eff = replace(eff, p_value=p_values[j].p_value, p_comparator=p_values[j].p_comparator)
        out.append(eff)
    return out


def _count_value(ctx: _Context, raw: str) -> int:
    word = word_value(raw)
    return word if word is not None else int(ctx.num(raw, True))


def _not_events(ctx: _Context, m: re.Match[str]) -> bool:
    """Study units ("one of 2 groups") and scores or thresholds (">7/10", "3/5 or more")."""
    text = ctx.text
    between = text[m.end("ev") : m.start("tot")]
    if pat.EVENTS_NOT_PEOPLE_AFTER_RE.match(text, m.end("tot")):
        return True
    if pat.EVENTS_NOT_AFTER_RE.match(text, m.end()):
        return True
    before = text[max(0, m.start() - 60) : m.start()]
    if "/" not in between:
        return bool(
            pat.EVENTS_NOT_POSITION_BEFORE_RE.search(before)
            or pat.EVENTS_NOT_OF_BEFORE_RE.search(before)
        )
    if pat.EVENTS_NOT_SLASH_BEFORE_RE.search(before):
        return True
    total = _count_value(ctx, m.group("tot"))
    if 1900 <= total <= 2100 and _count_value(ctx, m.group("ev")) <= 12:
        return True  # a month and year: "03/2017"
    return (
        total in pat.SCALE_TOTALS
        and not pat.EVENTS_SLASH_COUNTS_BEFORE_RE.search(before)
        and not pat.EVENTS_SLASH_COUNTS_AFTER_RE.match(text, m.end("tot"))
    )


def _arm_sizes(ctx: _Context) -> list[tuple[int, int]]:
    """(offset, size) of every stated group size: "(n = 64)", "120 patients", "Of the 84",
    "(60 per group)", "48 were assigned to surgery"."""
    sizes = []
    for regex in (pat.N_EQUALS_RE, pat.N_PEOPLE_RE, pat.OF_THE_N_RE, pat.ARM_SIZE_RE):
        for m in regex.finditer(ctx.text):
            sizes.append((m.start("n"), _count_value(ctx, m.group("n"))))
    for m in pat.ARM_SIZES_MORE_RE.finditer(ctx.text):
        g = next(g for g in ("n", "n2", "n3", "n4", "n5", "n6") if m.group(g) is not None)
        sizes.append((m.start(g), _count_value(ctx, m.group(g))))
    for regex in (pat.ARM_PAIR_RE, pat.ARM_PAIR_DE_RE, pat.ARM_LIST_RE):
        for m in regex.finditer(ctx.text):
            if _allocation(ctx, m):
                sizes += [(m.start(g), _count_value(ctx, m.group(g))) for g in ("a", "b")]
    return sorted(set(sizes))


# Two arms of a trial are about this close in size (1:1 allocation, a few drop-outs).
ARM_RATIO = 1.25


def _allocation(ctx: _Context, m: re.Match[str]) -> bool:
    """True when two counts named by treatment are the trial's arms: they add up to a cohort stated
    before them ("Of 120 patients, 60 received X and 60 received Y"), or they are of similar size
    and not counted out of a cohort ("Of the 80 patients, 12 received rescue medication and 5
    received opioids" counts events)."""
    a, b = (_count_value(ctx, m.group(g)) for g in ("a", "b"))
    if min(a, b) <= 0:
        return False
    s_start = ctx.sentences.span(m.start())[0]
    before = ctx.text[max(0, s_start - 300) : m.start()]
    totals = [
        _count_value(ctx, t.group("n"))
        for regex in (pat.N_PEOPLE_RE, pat.OF_THE_N_RE, pat.N_EQUALS_RE)
        for t in regex.finditer(before)
    ]
    if a + b in totals:
        return True
    of_cohort = pat.OF_THE_N_RE.search(ctx.text, s_start, m.start())
    return max(a, b) / min(a, b) <= ARM_RATIO and of_cohort is None


def _agrees(events: int, size: int, pct: float) -> bool:
    """True when ``events`` of ``size`` rounds to the printed percentage."""
    return abs(100.0 * events / size - pct) <= PERCENT_TOLERANCE


# How far (percentage points) a printed percentage may be from events / n.
PERCENT_TOLERANCE = 0.55


def _denominator(
    sizes: list[tuple[int, int]],
    offset: int,
    events: int,
    pct: float | None,
    after: tuple[int, int] | None = None,
    named: Callable[[int], bool] | None = None,
    arm_size_at: Callable[[int], bool] | None = None,
) -> int | None:
    """The nearest group size stated before ``offset`` that agrees with the printed percentage;
    failing that, with a percentage, the nearest one in ``after`` (the rest of the sentence:
    "6 (15%) vs 2 (5%); the arms had 40 and 40 patients", "3 (6%) and 5 (10%) of 50 per group").
    Among agreeing sizes, one ``named`` by the count's arm ("2 (3.3%) in the injection group" and
    "injection (n = 60)") comes first."""
    agreeing = []
    for pos, size in reversed(sizes):
        if pos >= offset or size < events or size <= 0:
            continue
        if pct is None:
            return size
        if _agrees(events, size, pct):
            unnamed = named is None or not named(pos)
            agreeing.append((unnamed, round(abs(100.0 * events / size - pct), 1), size))
    if agreeing:  # the closest percentage, then the nearest size: 9 (20%) is 9 of 45, not of 44
        return min(agreeing, key=lambda a: a[:2])[2]
    if pct is None or after is None:
        return None
    for pos, size in sizes:
        if (
            after[0] <= pos < after[1]
            and (arm_size_at is None or arm_size_at(pos))
            and size >= events
            and size > 0
            and _agrees(events, size, pct)
        ):
            return size
    return None


def _arm_size_at(ctx: _Context) -> Callable[[int], bool]:
    """A test whether the number at an offset reads as a group's size ("the arms had 40 and 40
    patients", "of 50 patients per group", "each of 40"), not any later count of people."""

    def arm_size(pos: int) -> bool:
        near = ctx.text[max(0, pos - 30) : pos + 30]
        if pat.COUNT_IS_DENOMINATOR_RE.search(ctx.text, max(0, pos - 16), pos):
            return True  # "nausea in 7 (11.7%) … of the 60 treated patients"
        return pat.ARM_CONTEXT_RE.search(near) is not None

    return arm_size


def _arm_namer(ctx: _Context, end: int) -> Callable[[int], bool] | None:
    """For a count followed by "in the injection group": a test whether a size at an offset is
    named by that arm ("transforaminal injection (n = 60)")."""
    m = pat.ARM_NAMED_AFTER_RE.match(ctx.text, end)
    if m is None:
        return None
    words = [w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöüß]{3,}", m.group("name"))]
    if not words:
        return None

    def named(pos: int) -> bool:
        before = ctx.text[max(0, pos - 40) : pos].lower()
        before = before[max(before.rfind(c) for c in ";)]") + 1 :]  # this arm's own words
        return any(re.search(rf"\b{re.escape(w)}", before) for w in words)

    return named


def _rest_count(ctx: _Context, end: int, events: int, n: int) -> Candidate | None:
    """The rest of the cohort after a count: "1,537 (75.1%) consented and 509 declined" (the two
    counts add up to the denominator, else no reading)."""
    m = pat.REST_COUNT_AFTER_RE.match(ctx.text, end)
    if m is None or not ctx.free(m.start("ev"), m.end("ev")):
        return None
    rest = _count_value(ctx, m.group("ev"))
    if rest + events != n:
        return None
    ctx.claim(m.start("ev"), m.end("ev"))
    span = (m.start("ev"), m.end("ev"))
    return Candidate("events", *span, *span, events=rest, n=n)


def _counts(ctx: _Context) -> list[Candidate]:
    out: list[Candidate] = []
    text = ctx.text
    for m in pat.NONE_OF_RE.finditer(text):
        if ctx.free(m.start(), m.end()) and not pat.EVENTS_NOT_PEOPLE_AFTER_RE.match(
            text, m.end("tot")
        ):
            ctx.claim(m.start(), m.end())
            total = _count_value(ctx, m.group("tot"))
            out.append(
                Candidate(
                    "events", m.start(), m.end(), m.start("ev"), m.end("ev"), events=0, n=total
                )
            )
    for m in pat.ALL_OF_N_RE.finditer(text):
        if ctx.free(m.start("n"), m.end("n")):
            ctx.claim(m.start("n"), m.end("n"))
            total = _count_value(ctx, m.group("n"))
            span = (m.start("n"), m.end("n"))
            out.append(Candidate("events", *span, *span, events=total, n=total))
    # "60 received X and 60 received Y": two arm sizes
    for m in [*pat.ARM_PAIR_RE.finditer(text), *pat.ARM_PAIR_DE_RE.finditer(text)]:
        if not _allocation(ctx, m):
            continue
        for g in ("a", "b"):
            if ctx.free(m.start(g), m.end(g)):
                ctx.claim(m.start(g), m.end(g))
                size = _count_value(ctx, m.group(g))
                out.append(Candidate("n", m.start(g), m.end(g), m.start(g), m.end(g), n=size))
    for m in pat.EVENTS_RE.finditer(text):
        events = _count_value(ctx, m.group("ev"))
        total = _count_value(ctx, m.group("tot"))
        if (
            events <= total
            and total > 0
            and ctx.free(m.start(), m.end())
            and not _not_events(ctx, m)
        ):
            ctx.claim(m.start("ev"), m.end("ev"))
            ctx.claim(m.start("tot"), m.end())
            ev_start, ev_end = m.start("ev"), m.end("ev")
            found = Candidate(
                "events", m.start(), m.end(), ev_start, ev_end, events=events, n=total
            )
            out.append(found)
    for m in pat.COUNT_AFTER_GROUP_RE.finditer(text):
        events, total = _count_value(ctx, m.group("ev")), _count_value(ctx, m.group("n"))
        if events <= total and ctx.free(m.start("ev"), m.end("ev")):
            ctx.claim(m.start("ev"), m.end("ev"))
            ev_start, ev_end = m.start("ev"), m.end("ev")
            out.append(
                Candidate("events", ev_start, m.end(), ev_start, ev_end, events=events, n=total)
            )
    sizes = _arm_sizes(ctx)
    for regex in (pat.COUNT_PERCENT_RE, pat.COUNT_OF_THEM_RE):
        for m in regex.finditer(text):
            if not ctx.free(m.start("ev"), m.end("ev")) or pat.COUNT_IS_DENOMINATOR_RE.search(
                text[max(0, m.start() - 12) : m.start()]
            ):
                continue
            events = _count_value(ctx, m.group("ev"))
            pct = ctx.num(m.group("pct")) if "pct" in m.re.groupindex else None
            after = (m.end(), ctx.sentences.span(m.start())[1])
            n = _denominator(
                sizes, m.start(), events, pct, after, _arm_namer(ctx, m.end()), _arm_size_at(ctx)
            )
            ctx.claim(m.start("ev"), m.end("ev"))
            out.append(
                Candidate(
                    "events", m.start(), m.end(), m.start("ev"), m.end("ev"), events=events, n=n
                )
            )
            if n is not None and (rest := _rest_count(ctx, m.end(), events, n)) is not None:
                out.append(rest)
    for regex in (pat.N_EQUALS_RE, pat.N_PEOPLE_RE):
        for m in regex.finditer(text):
            after = pat.N_IS_EVENT_AFTER_RE.match(text, m.end())
            if (
                regex is pat.N_PEOPLE_RE
                and after
                and int(after.group("ev")) == _count_value(ctx, m.group("n"))
            ):
                continue
            if ctx.free(m.start("n"), m.end("n")):
                ctx.claim(m.start(), m.end())
                n = _count_value(ctx, m.group("n"))
                out.append(Candidate("n", m.start(), m.end(), m.start("n"), m.end("n"), n=n))
    return out


def _percents(ctx: _Context) -> list[Candidate]:
    out: list[Candidate] = []
    text = ctx.text
    matches = [*pat.PERCENT_RE.finditer(text), *pat.PERCENT_WORD_RE.finditer(text)]
    for m in sorted(matches, key=lambda m: m.start()):
        s, e = m.start("num"), m.end("num")
        if not ctx.free(m.start(), m.end()) or ctx.ci_labels[s]:
            continue
        if pat.PERCENT_THRESHOLD_BEFORE_RE.search(text[max(0, s - 25) : s]):
            continue
        if pat.PERCENT_ARTICLE_BEFORE_RE.search(
            text[max(0, s - 8) : s]
        ) and pat.PERCENT_THRESHOLD_CHANGE_RE.match(text, m.end()):
            continue
        if pat.PERCENT_NOT_ARM_AFTER_RE.match(text, m.end()):
            continue
        if pat.ARM_NOT_BEFORE_RE.search(text, max(0, s - 60), s):
            continue  # "assuming a dropout rate of 20%", "a significance level of 5%"
        if pat.PERCENT_CONCENTRATION_BEFORE_RE.search(text[max(0, s - 20) : s]):
            continue
        ctx.claim(m.start(), m.end())
        word = word_value(m.group("num"))
        value = float(word) if word is not None else ctx.num(m.group("num"))
        out.append(Candidate("percent", m.start(), m.end(), s, e, percent=value))
    return out


def _terms(ctx: _Context) -> list[Candidate]:
    out: list[Candidate] = []
    taken = bytearray(len(ctx.text))
    for m in pat.INSTRUMENT_RE.finditer(ctx.text):
        taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        out.append(_term("instrument", m))
    for m in pat.OUTCOME_RE.finditer(ctx.text):
        if m.lastgroup != "ignored" and taken.find(1, m.start(), m.end()) == -1:
            out.append(_term("outcome", m))
    return out


def _term(kind: str, m: re.Match[str]) -> Candidate:
    return Candidate(kind, m.start(), m.end(), m.start(), m.end(), code=m.lastgroup)
