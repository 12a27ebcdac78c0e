"""Weighted least squares and the projection matrix P shared by estimators, models and tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class WLSFit:
    """Weighted least-squares fit of y on X with weights w = 1 / (v + tau²).

    ``cov`` is (X'WX)⁻¹, ``rss`` the weighted residual sum of squares Σ wᵢ(yᵢ − xᵢ'b)² (the generalised
    Q statistic), and ``p_matrix`` the residual-forming matrix P = W − WX(X'WX)⁻¹X'W, with P·y = W·e.
    """

    beta: Array
    cov: Array
    weights: Array
    residuals: Array
    rss: float
    p_matrix: Array

    @property
    def trace_p(self) -> float:
        """tr(P)."""
        return float(np.trace(self.p_matrix))

    @property
    def sum_pp(self) -> float:
        """tr(PP) = Σᵢⱼ Pᵢⱼ² (P is symmetric)."""
        return float(np.sum(self.p_matrix * self.p_matrix))

    @property
    def ypp_y(self) -> float:
        """y'PPy = Σ (wᵢ eᵢ)², computed from residuals to avoid cancellation."""
        return float(np.sum((self.weights * self.residuals) ** 2))


def inverse_crossprod(x: Array, w: Array) -> Array:
    """(X'WX)⁻¹ by a QR decomposition of W^½X (stable for weights spanning many orders of magnitude)."""
    r = np.linalg.qr(x * np.sqrt(w)[:, None], mode="r")
    r_inv = np.linalg.solve(r, np.eye(r.shape[0]))
    return r_inv @ r_inv.T


def wls(y: Array, total_var: Array, x: Array) -> WLSFit:
    """Fit y on X with inverse-variance weights 1 / total_var (total_var = vᵢ + tau²)."""
    w = 1.0 / total_var
    cov = inverse_crossprod(x, w)
    beta = cov @ (x.T @ (w * y))
    resid = y - x @ beta
    wx = x * w[:, None]
    p_matrix = np.diag(w) - wx @ cov @ wx.T
    rss = float(np.sum(w * resid * resid))
    return WLSFit(beta, cov, w, resid, rss, p_matrix)


def generalised_q(y: Array, v: Array, x: Array, tau2: float) -> float:
    """Generalised Q(tau²) = Σ wᵢ(yᵢ − xᵢ'b)² with wᵢ = 1/(vᵢ + tau²); decreasing in tau²."""
    return wls(y, v + tau2, x).rss


def log_likelihood(y: Array, v: Array, x: Array, tau2: float, *, reml: bool) -> float:
    """(Restricted) log-likelihood of the normal random-effects model at tau² (Viechtbauer 2005)."""
    fit = wls(y, v + tau2, x)
    k, p = x.shape
    n = k - p if reml else k
    ll = -0.5 * n * np.log(2 * np.pi) - 0.5 * np.sum(np.log(v + tau2)) - 0.5 * fit.rss
    if reml:
        _, logdet = np.linalg.slogdet(x.T @ (x * fit.weights[:, None]))
        ll -= 0.5 * logdet
    return float(ll)
