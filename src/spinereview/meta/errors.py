"""Errors raised by the meta-analysis engine: bad arguments and non-convergence."""

from __future__ import annotations

from spinereview.errors import SpinereviewError


class MetaArgumentError(SpinereviewError, ValueError):
    """An argument of a meta-analysis model is invalid (names the argument and the offending value)."""


class ConvergenceError(SpinereviewError, ArithmeticError):
    """An iterative tau² estimator or a root search did not converge (names method, limit, last state)."""
