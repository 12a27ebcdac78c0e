"""Confidence bounds that lie beyond a search limit (metafor's '>' and '<') and their one text form.

A Q-profile bound for tau² that lies outside the search interval [tau2.min, tau2.max] is reported by
metafor as the limit with a sign: ``>`` (the true bound is larger than the limit) or ``<`` (smaller;
the null set [0, 0] carries ``<`` on both bounds). Such a number is a limit, never the bound itself.

Tables write such a bound as one cell, the sign followed by the number (``">4167.286987129042"``);
an exact bound stays a plain number. ``bound_cell`` writes that form and ``parse_bound`` is the one
reader of it: every table, report, notebook and figure that shows a Q-profile bound goes through it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The true bound is larger than the number shown (it lies beyond the upper search limit).
ABOVE = ">"
#: The true bound is smaller than the number shown (below the lower search limit; the null set).
BELOW = "<"
SIGNS = ("", ABOVE, BELOW)


@dataclass(frozen=True)
class Bound:
    """A confidence bound: ``value`` itself (``sign == ""``) or a limit it lies beyond (">"/"<")."""

    value: float
    sign: str = ""

    def __post_init__(self) -> None:
        if self.sign not in SIGNS:
            raise ValueError(f"bound sign must be one of {SIGNS}, got {self.sign!r}")

    @property
    def exact(self) -> bool:
        """True when ``value`` is the bound itself, not a limit."""
        return not self.sign

    def text(self, digits: int) -> str:
        """The bound for reading, e.g. ``">4167.3"`` for ``digits = 1``."""
        return f"{self.sign}{self.value:.{digits}f}"


def bound_cell(value: float, sign: str) -> float | str:
    """A bound as a table cell: the float when exact, else the sign and the full-precision number."""
    if sign not in SIGNS:
        raise ValueError(f"bound sign must be one of {SIGNS}, got {sign!r}")
    return sign + repr(float(value)) if sign else value


def parse_bound(cell: object) -> Bound | None:
    """Read a bound written by ``bound_cell`` (or a plain number); empty, None and NaN give None.

    Accepts ``">4167.2"``, ``"<0.0"``, ``"12.5"`` and numbers; anything else raises ValueError.
    """
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise ValueError(f"not a bound: {cell!r}")
    if isinstance(cell, int | float):
        return None if math.isnan(cell) else Bound(float(cell))
    if not isinstance(cell, str):
        try:  # numpy / pandas scalars
            number = float(cell)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"not a bound: {cell!r}") from None
        return None if math.isnan(number) else Bound(number)
    text = cell.strip()
    sign = text[0] if text[0] in (ABOVE, BELOW) else ""
    try:
        number = float(text[len(sign) :])
    except ValueError:
        raise ValueError(f"not a bound: {cell!r}") from None
    return None if math.isnan(number) else Bound(number, sign)
