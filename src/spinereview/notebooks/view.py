"""Display helpers the reviewer notebooks import: tables, figure files, paths relative to the repo."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import Image, Markdown

from spinereview.figures import names
from spinereview.meta.bounds import parse_bound
from spinereview.rounding import DASH
from spinereview.text import show_controls

#: Significant digits of floats in tables (effects on 0-100 scales, p-values, tau²).
DIGITS = 4


def project_root(start: str | Path | None = None) -> Path:
    """The repository root: the first folder from ``start`` (default: cwd) upwards with
    config/config.yaml and a Snakefile or a notebooks/ folder. Notebooks opened from notebooks/ in
    Jupyter find their data this way; the workflow runs them in the folder of their inputs, which
    under a storage provider is a copy of the inputs without the Snakefile (.snakemake/storage/)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "config" / "config.yaml").is_file() and (
            (folder / "Snakefile").is_file() or (folder / "notebooks").is_dir()
        ):
            return folder
    raise FileNotFoundError(
        f"no repository root (config/config.yaml + Snakefile or notebooks/) above {here}"
    )


def _fmt(value: Any) -> str:
    """Floats for reading: whole numbers without decimals, others to DIGITS significant digits
    (one decimal from 1000 on, so that large values never switch to exponent notation)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if abs(value) >= 1000:
            return f"{value:.1f}"
        return f"{value:.{DIGITS}g}"
    return show_controls(str(value))


class Table:
    """A table shown as HTML in the notebook and as aligned text elsewhere, without the index."""

    def __init__(self, frame: pd.DataFrame, caption: str | None = None) -> None:
        self.frame = frame
        self.caption = caption

    def _repr_html_(self) -> str:
        if self.frame.empty:
            return self._empty_html()
        html = self._text().to_html(index=False, border=0, escape=True, notebook=False)
        if self.caption:
            html = f"<p><b>{_escape(self.caption)}</b></p>\n{html}"
        return html

    def _empty_html(self) -> str:
        cols = ", ".join(map(str, self.frame.columns)) or "none"
        head = f"<b>{_escape(self.caption)}</b>: " if self.caption else ""
        return f"<p>{head}<i>no rows</i> (columns: {_escape(cols)})</p>"

    def __repr__(self) -> str:
        head = f"{self.caption}\n" if self.caption else ""
        if self.frame.empty:
            return f"{head}(no rows)"
        return head + self._text().to_string(index=False)

    def _text(self) -> pd.DataFrame:
        """Every cell as display text (missing values empty, floats rounded for reading)."""
        return self.frame.astype(object).map(_fmt)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table(
    rows: pd.DataFrame | Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    caption: str | None = None,
) -> Table:
    """A displayable table of a DataFrame or a list of mappings, optionally limited to ``columns``."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing and not frame.empty:
            raise KeyError(f"columns not in the table: {', '.join(missing)}")
        frame = frame.reindex(columns=list(columns))
    return Table(frame.reset_index(drop=True), caption)


def read_csv(path: str | Path) -> pd.DataFrame:
    """A results CSV as written by a rule (empty cells stay empty, a header-only file has no rows)."""
    return pd.read_csv(path, dtype_backend="numpy_nullable", keep_default_na=False, na_values=[""])


def read_json(path: str | Path) -> Any:
    """A results JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def md(text: str) -> Markdown:
    """Markdown for display (headings and notes between the tables of a loop)."""
    return Markdown(text)


def figure(path: str | Path, *, written_by: str = "the figures rule") -> Image | Markdown:
    """The PNG at ``path``, or a note that it does not exist yet: notebooks never draw figures."""
    path = Path(path)
    if path.is_file():
        return Image(filename=str(path), alt=figure_alt(path))
    return Markdown(
        f"**Not available yet:** `{path.as_posix()}` does not exist — it is written by "
        f"{written_by} (`.venv/bin/snakemake --cores all`). Nothing is drawn here instead."
    )


def figure_alt(path: Path) -> str:
    """The alt text the figures rule wrote beside ``<name>.<language>.png``
    (``<name>.alt.<language>.txt``); a note naming the missing file when there is none."""
    name, _, language = path.stem.rpartition(".")
    alt = names.read_alt(path.parent, name, language)[0] if name else ""
    wanted = names.alt_name(name, language) if name else f"{path.stem}.alt.<language>.txt"
    return alt or f"{path.name} (no alt text: {wanted} is missing)"


def figure_files(folder: str | Path, pattern: str) -> list[Path]:
    """PNG files in ``folder`` matching a glob ``pattern``, sorted by name (empty if none or no folder)."""
    folder = Path(folder)
    return sorted(p for p in folder.glob(pattern) if p.suffix == ".png") if folder.is_dir() else []


def filled(frame: pd.DataFrame, column: str) -> pd.Series:
    """Rows where ``column`` has a non-empty value (a column that is empty everywhere reads as numbers)."""
    values = frame[column]
    return values.notna() & (values.astype("string").str.strip() != "")


def interval(low: Any, high: Any) -> str:
    """``[low, high]`` as shown in the tables (empty when either bound is missing). A bound at a
    search limit keeps its mark, read by ``parse_bound``: ``[45.72, >4167.3]``."""
    bounds = [None if v is pd.NA else parse_bound(v) for v in (low, high)]
    if bounds[0] is None or bounds[1] is None:
        return ""
    return "[" + ", ".join(b.sign + _fmt(b.value) for b in bounds) + "]"


def dashed(values: Any, k: Any) -> list[str]:
    """Cells of a column for people: "—" where a cell with studies (k ≥ 1) has no value — a
    statistic the cell does not have (no PI below meta.prediction_interval_min_k, no I², Q or tau²
    for a single study); empty for k = 0."""
    out = []
    for value, n in zip(values, k, strict=True):
        text = value if isinstance(value, str) else _fmt(value)
        has_studies = n is not pd.NA and n is not None and int(n) > 0
        out.append(DASH if has_studies and not text else text)
    return out
