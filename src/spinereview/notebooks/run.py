"""Execute a py:percent notebook in a fresh kernel: parameters injected, paths scrubbed, errors shown."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from nbformat import NotebookNode

from spinereview.errors import SpinereviewError
from spinereview.io import write_text_atomic
from spinereview.notebooks.render import render_html
from spinereview.notebooks.scrub import ANSI, machine_paths, scrub_outputs, scrub_text

log = logging.getLogger("spinereview")

#: The same kernel metadata in every executed notebook, whichever Python ran it (byte-identical output).
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "file_extension": ".py", "mimetype": "text/x-python"}
#: Seconds one cell may run: the cells only read tables (seconds); five minutes leaves room.
CELL_TIMEOUT = 300


class NotebookError(SpinereviewError):
    """A notebook could not be read, parameterised or executed; the message shows the failing cell."""


def read_notebook(path: str | Path) -> NotebookNode:
    """Read a jupytext py:percent file as a notebook with stable cell ids (cell-001, cell-002, ...).

    jupytext gives every cell a random id; fixed ids keep the executed notebook and its HTML
    byte-identical between runs.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotebookError(f"{path}: notebook not found") from None
    nb = jupytext.reads(text, fmt="py:percent")
    for number, cell in enumerate(nb.cells, start=1):
        cell["id"] = f"cell-{number:03d}"
    return nb


def inject_parameters(nb: NotebookNode, parameters: Mapping[str, Any], *, source: str) -> None:
    """Insert a cell tagged ``injected-parameters`` after the cell tagged ``parameters``.

    As papermill does: the notebook's own defaults stay visible, the values of this run follow them.
    A name the parameters cell does not define is an error (a typo would otherwise be ignored).
    """
    index = next(
        (i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), None
    )
    if index is None:
        if parameters:
            raise NotebookError(f"{source}: no cell tagged 'parameters' to override")
        return
    defaults = nb.cells[index].source
    unknown = sorted(name for name in parameters if not _defines(defaults, name))
    if unknown:
        raise NotebookError(
            f"{source}: parameter(s) {', '.join(unknown)} not defined in the parameters cell"
        )
    if not parameters:
        return
    lines = ["# Parameters of this run (injected by `spinereview run-notebook`)"]
    lines += [f"{name} = {value!r}" for name, value in sorted(parameters.items())]
    cell = nbformat.v4.new_code_cell("\n".join(lines), id="injected-parameters")
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, cell)


def _defines(source: str, name: str) -> bool:
    """Whether a line of ``source`` assigns ``name`` at the start of the line."""
    return any(
        line.split("=", 1)[0].split(":", 1)[0].strip() == name
        for line in source.splitlines()
        if "=" in line and not line.startswith((" ", "\t", "#"))
    )


def execute_notebook(
    nb: NotebookNode, *, cwd: str | Path, source: str, timeout: int = CELL_TIMEOUT
) -> NotebookNode:
    """Run every cell in a new kernel whose working directory is ``cwd`` (the repository root).

    Machine paths in the outputs are replaced afterwards (see ``scrub.machine_paths``), also when a
    cell fails: the error then names the cell, shows its source and the error without colour codes.
    """
    cwd = Path(cwd)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    replacements = machine_paths(cwd)
    try:
        client.execute()
    except CellExecutionError as exc:
        scrub_outputs(nb.cells, replacements)
        raise NotebookError(_cell_failure(nb, source, str(exc), replacements)) from None
    except CellTimeoutError:
        raise NotebookError(f"{source}: a cell ran longer than {timeout} s") from None
    except DeadKernelError as exc:
        raise NotebookError(f"{source}: the kernel died ({exc})") from None
    # The kernel flushes print() output in chunks whose split depends on timing ("37 studies" and
    # "\n" as two outputs, or one): merge consecutive stream outputs so the file is byte-identical.
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    scrub_outputs(nb.cells, replacements)
    nb.metadata = _fixed_metadata(nb.metadata)
    return nb


def _cell_failure(
    nb: NotebookNode, source: str, fallback: str, replacements: list[tuple[str, str]]
) -> str:
    """The message for a failed cell: which cell of the source file, its source, the error and
    its traceback (cells are counted as in the .py file, without the injected parameters cell)."""
    number = 0
    for cell in nb.cells:
        injected = "injected-parameters" in cell.metadata.get("tags", [])
        number += 0 if injected else 1
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if cell.cell_type == "code" and errors:
            err = errors[0]
            which = "the injected parameters cell" if injected else f"cell {number}"
            trace = ANSI.sub("", "\n".join(err.get("traceback", [])))
            return (
                f"{source}: {which} failed with {err['ename']}: {err['evalue']}\n"
                f"----- {which} -----\n{cell.source}\n"
                f"----- traceback -----\n{trace}"
            )
    return f"{source}: a cell failed\n{scrub_text(ANSI.sub('', fallback), replacements)}"


def _fixed_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Kernel and language metadata fixed; jupytext's own (version-dependent) metadata dropped."""
    kept = {
        k: v for k, v in metadata.items() if k not in ("jupytext", "kernelspec", "language_info")
    }
    return {**kept, "kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}


def run_notebook(
    notebook: str | Path,
    *,
    html: str | Path,
    ipynb: str | Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    cwd: str | Path = ".",
    timeout: int = CELL_TIMEOUT,
) -> NotebookNode:
    """Read, parameterise and execute ``notebook``; write its HTML (and the executed .ipynb).

    Nothing is written when a cell fails. ``notebook`` is resolved against ``cwd`` when relative.
    """
    cwd = Path(cwd)
    path = Path(notebook)
    source = str(path)
    nb = read_notebook(path if path.is_absolute() else cwd / path)
    inject_parameters(nb, parameters or {}, source=source)
    nb.metadata["spinereview"] = {"source": source, "parameters": dict(parameters or {})}
    execute_notebook(nb, cwd=cwd, source=source, timeout=timeout)
    text = nbformat.writes(nb)
    if ipynb is not None:
        write_text_atomic(ipynb, text if text.endswith("\n") else text + "\n")
    write_text_atomic(html, render_html(nb, title=path.stem))
    log.info("%s executed (%d cells) -> %s", source, len(nb.cells), html)
    return nb


def parse_parameters(text: str) -> dict[str, Any]:
    """The --parameters argument: a JSON object of parameter names and values."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"--parameters is not valid JSON: {exc}") from None
    if not isinstance(value, dict) or not all(str(k).isidentifier() for k in value):
        raise NotebookError("--parameters must be a JSON object of Python names and values")
    return value
