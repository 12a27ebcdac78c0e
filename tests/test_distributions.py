"""spinereview.distributions gives exactly what scipy.stats gives, edges included."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from spinereview import distributions as d

X = np.array(
    [-np.inf, -40.0, -3.5, -1.0, -1e-300, 0.0, 1e-300, 0.3, 1.0, 1.96, 7.5, 60.0, np.inf, np.nan]
)
P = np.array(
    [
        -0.1,
        1.5,
        0.0,
        1e-300,
        1e-12,
        0.001,
        0.025,
        0.05,
        0.3,
        0.5,
        0.7,
        0.975,
        1 - 1e-12,
        1.0,
        np.nan,
    ]
)
DF = [1, 2, 3, 5, 12, 30, 1000, 0.5, 2.5, 0, -1, np.nan]


def same(got: object, expected: object) -> None:
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected), strict=True)


def test_normal() -> None:
    same(d.norm_ppf(P), stats.norm.ppf(P))
    same(d.norm_isf(P), stats.norm.isf(P))
    same(d.norm_sf(X), stats.norm.sf(X))
    assert float(d.norm_isf(0.025)) == pytest.approx(1.959963984540054, rel=1e-15)


@pytest.mark.parametrize("df", DF)
def test_t(df: float) -> None:
    same(d.t_ppf(P, df), stats.t.ppf(P, df))
    same(d.t_isf(P, df), stats.t.isf(P, df))
    same(d.t_sf(X, df), stats.t.sf(X, df))
    same(d.t_sf(X, df), stats.t(df).sf(X))


@pytest.mark.parametrize("df", DF)
def test_chi2(df: float) -> None:
    same(d.chi2_sf(X, df), stats.chi2.sf(X, df))
    same(d.chi2_isf(P, df), stats.chi2.isf(P, df))
    same(d.chi2_ppf(P, df), stats.chi2.ppf(P, df))


@pytest.mark.parametrize(
    ("dfn", "dfd"),
    [(1, 1), (1, 5), (2, 10), (4, 30), (3, 2.5), (0, 3), (3, 0), (-1, 2), (np.nan, 4)],
)
def test_f(dfn: float, dfd: float) -> None:
    same(d.f_sf(X, dfn, dfd), stats.f.sf(X, dfn, dfd))


def test_scalars_stay_scalars() -> None:
    assert isinstance(float(d.t_isf(0.025, 4)), float)
    assert np.ndim(d.chi2_sf(3.0, 2)) == 0


def test_pooling_modules_do_not_import_scipy_stats() -> None:
    """The point of the module: pooling, conversions and agreement load without scipy.stats."""
    code = (
        "import sys, spinereview.meta, spinereview.meta.fitting, spinereview.meta.heterogeneity, "
        "spinereview.meta.regression, spinereview.meta.sensitivity, spinereview.extraction.convert, "
        "spinereview.extraction.recover, spinereview.screening.agreement\n"
        "spinereview.extraction.convert.z_crit(0.95)\n"
        "spinereview.extraction.recover.mean_ci_crit(20, 0.95)\n"
        "print('scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
