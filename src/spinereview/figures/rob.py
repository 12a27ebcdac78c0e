"""Risk-of-bias summary (RoB 2 traffic lights) from the optional sheet data/extraction/risk_of_bias.csv.

The sheet has one row per study (or study and outcome) with the columns ``study_id``, ``D1`` … ``D5``
and ``overall`` (header names case-insensitive), each judgement one of ``low``, ``some concerns``
(or ``some_concerns``), ``high`` or ``no information``; an optional ``outcome`` column is shown
after the study id.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from spinereview.errors import InputError
from spinereview.figures.i18n import tr
from spinereview.figures.style import SIZES, new_figure

NAME = "rob_traffic_light"
DOMAINS = ("D1", "D2", "D3", "D4", "D5", "overall")
# judgement -> (colour, symbol); colours as robvis's RoB 2 palette, symbols so colour is not needed.
JUDGEMENTS = {
    "low": ("#02C100", "+"),
    "some_concerns": ("#E2DF07", "−"),
    "high": ("#BF0000", "×"),
    "no_information": ("#4EA1F7", "?"),
}


@dataclass(frozen=True)
class RobRow:
    """The judgements of one study (and outcome), by domain."""

    label: str
    judgements: tuple[str, ...]


def _judgement(value: str, path: Path, row: int, column: str) -> str:
    key = "_".join(value.strip().lower().replace("-", " ").split())
    if key not in JUDGEMENTS:
        expected = ", ".join(k.replace("_", " ") for k in JUDGEMENTS)
        raise InputError(
            path, f"judgement {value!r} is not one of: {expected}", row=row, field=column
        )
    return key


def read_rob_sheet(path: str | Path) -> list[RobRow]:
    """Validate and read the sheet; an error names the file, row and column."""
    path = Path(path)
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = {name.strip().lower(): name for name in (reader.fieldnames or [])}
        needed = ["study_id", *(d.lower() for d in DOMAINS)]
        missing = [name for name in needed if name not in header]
        if missing:
            raise InputError(path, "missing column", line=1, field=missing[0])
        rows, seen = [], set()
        for number, raw in enumerate(reader, start=1):
            study = (raw[header["study_id"]] or "").strip()
            if not study:
                raise InputError(path, "empty study id", row=number, field="study_id")
            outcome = (raw.get(header.get("outcome", ""), "") or "").strip()
            label = f"{study} ({outcome})" if outcome else study
            if label in seen:
                raise InputError(path, f"{label} appears twice", row=number, field="study_id")
            seen.add(label)
            judgements = tuple(
                _judgement(raw[header[d.lower()]] or "", path, number, header[d.lower()])
                for d in DOMAINS
            )
            rows.append(RobRow(label, judgements))
    if not rows:
        raise InputError(path, "the sheet has no rows")
    return rows


def draw_rob(rows: Sequence[RobRow], lang: str) -> Figure:
    """Traffic-light plot: one row per study, one column per domain and the overall judgement."""
    height = 1.85 + 0.24 * len(rows)  # 0.7 in above the grid (title, domain heads), 1.15 below
    fig = new_figure(SIZES["double"], height)
    ax = fig.add_axes((0.22, 1.15 / height, 0.5, 0.24 * len(rows) / height))
    ax.set_xlim(-0.5, len(DOMAINS) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    for y, row in enumerate(rows):
        for x, judgement in enumerate(row.judgements):
            colour, symbol = JUDGEMENTS[judgement]
            ax.plot([x], [y], marker="o", ms=11, mfc=colour, mec="black", mew=0.5, lw=0)
            ax.text(x, y, symbol, ha="center", va="center", size=8, weight="bold")
    ax.axvline(len(DOMAINS) - 1.5, color="black", lw=0.6)
    ax.set_xticks(range(len(DOMAINS)))
    ax.set_xticklabels([*DOMAINS[:-1], tr("rob.overall", lang)])
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r.label for r in rows])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.text(
        0.02, 1 - 0.08 / height, tr("rob.title", lang), ha="left", va="top", size=9, weight="bold"
    )
    domains = "\n".join(tr(f"rob.{d}", lang) for d in DOMAINS[:-1])
    fig.text(0.02, 0.08 / height, domains, ha="left", va="bottom", size=7, linespacing=1.3)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ms=8,
            mfc=colour,
            mec="black",
            mew=0.5,
            lw=0,
            label=f"{symbol}  {tr(f'rob.{key}', lang)}",
        )
        for key, (colour, symbol) in JUDGEMENTS.items()
    ]
    fig.legend(
        handles=handles,
        title=tr("rob.judgement", lang),
        loc="center right",
        bbox_to_anchor=(0.99, 0.5),
        frameon=False,
        fontsize=7,
        title_fontsize=7.5,
    )
    return fig
