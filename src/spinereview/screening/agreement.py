"""Cohen's kappa between two raters with its large-sample standard error: pure NumPy, no I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# scipy (through spinereview.distributions) is imported where the interval needs it.


@dataclass(frozen=True)
class Kappa:
    """Agreement of two raters over the same records, from their contingency table.

    ``table[i][j]`` counts the records rater A (rows: the rules) put in ``categories[i]`` and rater B
    (columns: the human reviewer) in ``categories[j]``. ``kappa``, ``se`` and the interval are
    ``None`` when kappa is undefined (no records, or both raters used one and the same category:
    expected agreement 1); ``undefined`` then says why. When one rater put every record in a single
    category, kappa is 0 whatever the agreement (p_o = p_e): it is kept, but the interval is ``None``
    (the large-sample SE is 0 there, on the edge of the parameter space) and ``note`` says so.
    """

    categories: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]
    n: int
    observed: float | None
    expected: float | None
    kappa: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    level: float
    undefined: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready form; the table as {row category: {column category: count}}."""
        return {
            "categories": list(self.categories),
            "table": {
                a: dict(zip(self.categories, row, strict=True))
                for a, row in zip(self.categories, self.table, strict=True)
            },
            "n": self.n,
            "observed_agreement": _rounded(self.observed),
            "expected_agreement": _rounded(self.expected),
            "kappa": _rounded(self.kappa),
            "se": _rounded(self.se),
            "ci_low": _rounded(self.ci_low),
            "ci_high": _rounded(self.ci_high),
            "ci_level": self.level,
            "undefined": self.undefined,
            "note": self.note,
        }


def _rounded(value: float | None) -> float | None:
    """Twelve significant digits: the JSON bytes do not depend on the last float bit."""
    return None if value is None else float(f"{value:.12g}")


def contingency(
    pairs: Iterable[tuple[str, str]], categories: Sequence[str]
) -> tuple[tuple[int, ...], ...]:
    """Count (rater A, rater B) pairs into a square table over ``categories`` (rows: A, columns: B).

    A value outside ``categories`` is a ValueError: a pair is never silently dropped.
    """
    index = {c: i for i, c in enumerate(categories)}
    counts = [[0] * len(categories) for _ in categories]
    for a, b in pairs:
        if a not in index or b not in index:
            raise ValueError(f"pair ({a!r}, {b!r}) has a category outside {list(categories)}")
        counts[index[a]][index[b]] += 1
    return tuple(tuple(row) for row in counts)


def observed_expected(table: np.ndarray) -> tuple[float, float]:
    """Observed and chance-expected agreement of a square count table with n > 0.

    p_o = sum_i p_ii and p_e = sum_i p_i. * p_.i, with p_ij = n_ij / n and the row (p_i.) and column
    (p_.j) marginal proportions (Cohen 1960, Educ Psychol Meas 20:37-46).
    """
    p = table / table.sum()
    return float(np.trace(p)), float(p.sum(axis=1) @ p.sum(axis=0))


def kappa_from(observed: float, expected: float) -> float:
    """Cohen's kappa = (p_o - p_e) / (1 - p_e) (Cohen 1960); requires p_e < 1."""
    return (observed - expected) / (1.0 - expected)


def kappa_variance(table: np.ndarray, kappa: float) -> float:
    """Large-sample variance of kappa (Fleiss, Cohen & Everitt 1969, Psychol Bull 72:323-327).

    With p_ij = n_ij / n, marginals p_i. and p_.j, and p_e = sum_i p_i. p_.i:

        A = sum_i p_ii [1 - (p_i. + p_.i)(1 - kappa)]^2
        B = (1 - kappa)^2 sum_{i != j} p_ij (p_.i + p_j.)^2
        C = [kappa - p_e (1 - kappa)]^2
        Var(kappa) = (A + B - C) / (n (1 - p_e)^2)

    This is the non-null variance (for a confidence interval, not for testing kappa = 0); it is the
    delta-method variance of kappa under multinomial sampling (Fleiss, Levin & Paik 2003, Statistical
    Methods for Rates and Proportions, 3rd ed., section 18.1). Rounding can make A + B - C a tiny
    negative number when kappa = 1; it is then 0.
    """
    n = float(table.sum())
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    expected = float(rows @ cols)
    diagonal = np.diag(p)
    a = float(np.sum(diagonal * (1.0 - (rows + cols) * (1.0 - kappa)) ** 2))
    # off-diagonal cell (i, j) is weighted by (p_.i + p_j.)^2: column marginal of its row index plus
    # row marginal of its column index
    weights = (cols[:, None] + rows[None, :]) ** 2
    off = p * weights
    b = (1.0 - kappa) ** 2 * float(off.sum() - np.trace(off))
    c = (kappa - expected * (1.0 - kappa)) ** 2
    return max(0.0, (a + b - c) / (n * (1.0 - expected) ** 2))


def cohen_kappa(
    table: Sequence[Sequence[int]], categories: Sequence[str], level: float = 0.95
) -> Kappa:
    """Cohen's kappa, observed and expected agreement, and a Wald interval from the FCE 1969 SE.

    Interval: kappa +- z_{(1+level)/2} * SE, with SE = sqrt(kappa_variance) (see there), cut to
    [-1, 1], the range kappa can take. See :class:`Kappa` for the cases without a kappa or interval.
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape != (len(categories), len(categories)):
        raise ValueError(f"table must be {len(categories)} x {len(categories)}")
    if (counts < 0).any():
        raise ValueError("counts must not be negative")
    if not 0 < level < 1:
        raise ValueError("level must lie between 0 and 1")
    frozen = tuple(tuple(int(v) for v in row) for row in table)
    n = int(counts.sum())
    common = {"categories": tuple(categories), "table": frozen, "n": n, "level": level}
    if n == 0:
        return Kappa(
            **common,
            observed=None,
            expected=None,
            kappa=None,
            se=None,
            ci_low=None,
            ci_high=None,
            undefined="no records rated by both",
        )
    observed, expected = observed_expected(counts)
    if math.isclose(expected, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return Kappa(
            **common,
            observed=observed,
            expected=expected,
            kappa=None,
            se=None,
            ci_low=None,
            ci_high=None,
            undefined="both raters put every record in the same single category (expected "
            "agreement 1): kappa is 0/0",
        )
    kappa = kappa_from(observed, expected)
    single = [
        name
        for name, margin in (("rows", counts.sum(axis=1)), ("columns", counts.sum(axis=0)))
        if np.count_nonzero(margin) < 2
    ]
    if single:
        return Kappa(
            **common,
            observed=observed,
            expected=expected,
            kappa=kappa,
            se=None,
            ci_low=None,
            ci_high=None,
            note=f"the rater of the {' and '.join(single)} put every record in one category: "
            "kappa is 0 whatever the agreement and has no interval; read the observed agreement",
        )
    se = math.sqrt(kappa_variance(counts, kappa))
    from spinereview.distributions import norm_ppf

    z = float(norm_ppf(0.5 + level / 2.0))
    return Kappa(
        **common,
        observed=observed,
        expected=expected,
        kappa=kappa,
        se=se,
        ci_low=max(-1.0, kappa - z * se),
        ci_high=min(1.0, kappa + z * se),
    )
