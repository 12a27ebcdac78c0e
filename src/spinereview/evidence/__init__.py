"""The evidence layer: published reviews harmonised (reviews), GRADE certainty of own cells."""

from spinereview.evidence.grade import (
    DOMAINS,
    CellEvidence,
    Certainty,
    Downgrade,
    StudyEvidence,
    rate_cell,
)
from spinereview.evidence.rules import GradeRules, ois_binary, ois_continuous
from spinereview.evidence.wording import (
    DOMAIN_LABELS,
    LEVEL_LABELS,
    LEVEL_SYMBOLS,
    LEVELS,
    SIZES,
    size_of,
)

__all__ = [
    "DOMAINS",
    "DOMAIN_LABELS",
    "LEVELS",
    "LEVEL_LABELS",
    "LEVEL_SYMBOLS",
    "SIZES",
    "CellEvidence",
    "Certainty",
    "Downgrade",
    "GradeRules",
    "StudyEvidence",
    "ois_binary",
    "ois_continuous",
    "rate_cell",
    "size_of",
]
