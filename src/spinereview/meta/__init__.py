"""Meta-analysis engine (pure NumPy/SciPy, no I/O): models, heterogeneity, sensitivity, bias."""

from spinereview.meta.errors import ConvergenceError, MetaArgumentError
from spinereview.meta.estimators import TAU2_METHODS, Control, Tau2Estimate, estimate_tau2
from spinereview.meta.fitting import METHODS, TESTS
from spinereview.meta.heterogeneity import QProfileCI
from spinereview.meta.model import MetaAnalysis, MetaResult, meta_analysis

__all__ = [
    "METHODS",
    "TAU2_METHODS",
    "TESTS",
    "Control",
    "ConvergenceError",
    "MetaAnalysis",
    "MetaArgumentError",
    "MetaResult",
    "QProfileCI",
    "Tau2Estimate",
    "estimate_tau2",
    "meta_analysis",
]
