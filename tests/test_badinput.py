"""The bad-input corpus (issue 13, must have 5): hostile or broken user input, end to end.

Each case in ``tests/badinput/<group>.yaml`` says what it does to the input (declarative mutations of
a copy of the repository's files) and what the user must see. One clean run of the whole pipeline is
made per module; each case copies that finished directory, applies its mutations and runs
``snakemake --cores 2``. A ``fails`` case must exit non-zero with its message (file, row/line, field)
in the last 40 lines of the console, without a Python traceback or "Nothing to be done", and leave
every file under results/ and reports/ byte-identical to the clean run. A ``succeeds`` case (input a
user may legitimately give, such as a byte-order mark) must exit 0, show its warning if it names one,
and pass its own checks on the outputs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from workflow_copy import copy_workflow, run_snakemake

pytestmark = pytest.mark.workflow

CORPUS = Path(__file__).parent / "badinput"
GROUPS = ("xml", "manifest", "config", "sheets", "screening", "encodings", "sizes")
OUTCOMES = ("fails", "succeeds")
TAIL = 40  # lines of console in which a failing case's message must appear
OUTPUT_DIRS = ("results", "reports")
MANIFEST = "data/pubmed/snapshot/manifest.json"


def load_corpus() -> list[dict[str, Any]]:
    """Every case of every group file, with its group."""
    cases = []
    for path in sorted(CORPUS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            cases.append({**case, "group": data["group"], "source": path.name})
    return cases


CASES = load_corpus()


# -- mutations: each takes the workflow copy and the step's keys ------------------------------------


def _text(parts: Any) -> str:
    """A replacement text: a string, or a list of strings and ``{repeat: s, times: n}`` parts."""
    if isinstance(parts, str):
        return parts
    out = []
    for part in parts:
        out.append(part if isinstance(part, str) else part["repeat"] * part["times"])
    return "".join(out)


def _replace_text(text: str, old: str, new: str, count: int, where: str) -> str:
    found = text.count(old)
    assert found, f"{where}: {old!r} not found (the corpus case no longer fits the data)"
    return text.replace(old, new, count if count else -1)


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


_LINE_OF = re.compile(r"\{line_of:(.+?)(?:#(\d+))?\}")


def resolve_lines(message: str, path: Path) -> str:
    """Replace ``{line_of:TEXT}`` (or ``{line_of:TEXT#N}``, the N-th occurrence) in a message pattern
    by the number of the line of the mutated file ``path`` that contains TEXT, so that a case does
    not break when lines are added above it."""

    def number(match: re.Match[str]) -> str:
        text, nth = match.group(1), int(match.group(2) or 1)
        hits = [
            i
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if text in line
        ]
        assert len(hits) >= nth, f"{text!r} occurs {len(hits)} times in {path}"
        return str(hits[nth - 1])

    return _LINE_OF.sub(number, message)


def mutate(workdir: Path, step: dict[str, Any]) -> None:
    op = step["op"]
    if op == "rehash_manifest":  # as a user would after editing a snapshot file
        manifest = workdir / MANIFEST
        text = manifest.read_text(encoding="utf-8")
        for query in json.loads(text)["queries"]:
            data = (manifest.parent / query["file"]).read_bytes()
            text = text.replace(query["sha256"], hashlib.sha256(data).hexdigest())
        manifest.write_text(text, encoding="utf-8")
        return
    path = workdir / step["file"]
    if op == "replace":
        text = path.read_text(encoding="utf-8")
        new = _replace_text(text, step["old"], _text(step["new"]), step.get("count", 1), op)
        path.write_text(new, encoding="utf-8")
    elif op == "replace_bytes":  # old/new as latin-1 strings: "\xff" is the byte 0xff
        data = path.read_bytes()
        old, new = step["old"].encode("latin-1"), step["new"].encode("latin-1")
        assert old in data, f"{op}: {old!r} not found"
        path.write_bytes(data.replace(old, new, step.get("count", 1)))
    elif op == "regex":
        text = path.read_text(encoding="utf-8")
        new, n = re.subn(step["pattern"], _text(step["repl"]), text, count=step.get("count", 1))
        assert n, f"regex {step['pattern']!r} matched nothing"
        path.write_text(new, encoding="utf-8")
    elif op == "write":
        path.write_text(_text(step["text"]), encoding="utf-8")
    elif op == "append":
        path.write_text(path.read_text(encoding="utf-8") + _text(step["text"]), encoding="utf-8")
    elif op == "truncate":
        path.write_bytes(path.read_bytes()[: step["keep_bytes"]])
    elif op == "keep_lines":
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[: step["lines"]]), encoding="utf-8")
    elif op in ("delete_line", "duplicate_line"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if step["contains"] in line)
        if op == "delete_line":
            del lines[index]
        else:
            lines.insert(index + 1, lines[index])
        path.write_text("".join(lines), encoding="utf-8")
    elif op == "delete_column":
        rows = _read_csv(path)
        index = rows[0].index(step["column"])
        _write_csv(path, [row[:index] + row[index + 1 :] for row in rows])
    elif op == "delimiter":
        _write_csv(path, _read_csv(path), delimiter=step["sep"])
    elif op == "encode":
        text = path.read_text(encoding="utf-8")
        path.write_bytes(text.encode(step["encoding"], errors=step.get("errors", "strict")))
    elif op == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    elif op == "crlf":
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    else:
        raise AssertionError(f"unknown mutation {op!r}")


# -- the runs -----------------------------------------------------------------------------------------


def _hashes(workdir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in OUTPUT_DIRS
        for p in sorted((workdir / folder).rglob("*"))
        if p.is_file()
    }


def _snakemake(workdir: Path, *args: str) -> tuple[int, str]:
    """``snakemake --cores 2 <args>``; stdout and stderr as one stream, in the order written."""
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        timeout=600,
    )
    return proc.returncode, proc.stdout


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One clean run of the whole pipeline; each case starts from a copy of it."""
    workdir = copy_workflow(tmp_path_factory.mktemp("baseline"))
    proc = run_snakemake(workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return workdir, _hashes(workdir)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input(
    case: dict[str, Any], baseline: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    clean, before = baseline
    workdir = tmp_path / "w"
    shutil.copytree(clean, workdir, symlinks=True)
    try:
        for step in case["mutate"]:
            mutate(workdir, step)
        args = [a for value in case.get("config", []) for a in ("--config", value)]
        rc, console = _snakemake(workdir, *args, *case.get("targets", []))
        tail = "\n".join(console.splitlines()[-TAIL:])
        shown = f"{case['id']} ({case['does']}), exit {rc}; console tail:\n{tail}"
        assert "Traceback" not in console, shown
        if case["expect"] == "fails":
            assert rc != 0, shown
            assert "Nothing to be done" not in console, shown
            message = case["message"]
            if "{line_of:" in message:
                message = resolve_lines(message, workdir / case["mutate"][0]["file"])
            assert re.search(message, tail, re.M), f"expected /{message}/\n{shown}"
            after = _hashes(workdir)
            changed = sorted(
                k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
            )
            assert not changed, f"outputs changed by a failing run: {changed[:10]}\n{shown}"
        else:
            assert rc == 0, shown
            if case.get("warning"):
                assert re.search(case["warning"], console, re.M), f"no /{case['warning']}/\n{shown}"
            after = _hashes(workdir)
            for name in case.get("identical", []):
                assert after.get(name) == before[name], f"{name} differs from the clean run"
            for check in case.get("contains", []):
                text = (workdir / check["file"]).read_text(encoding="utf-8")
                assert re.search(check["regex"], text), f"{check['file']}: no /{check['regex']}/"
            for check in case.get("absent", []):
                text = (workdir / check["file"]).read_text(encoding="utf-8")
                assert check["text"] not in text, f"{check['file']} holds {check['text']!r}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_corpus_covers_every_group_with_expectations() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert {c["group"] for c in CASES} == set(GROUPS)
    for case in CASES:
        assert case["expect"] in OUTCOMES, case["id"]
        assert case.get("does"), case["id"]
        assert case.get("mutate") or case.get("config"), case["id"]
        if case["expect"] == "fails":
            assert case.get("message"), case["id"]
            re.compile(case["message"])
        else:  # an accepted variant states what it checks
            assert (
                case.get("identical")
                or case.get("contains")
                or case.get("absent")
                or case.get("warning")
            ), case["id"]
    assert sum(c["expect"] == "fails" for c in CASES) >= 40
    assert sum(c["expect"] == "succeeds" for c in CASES) >= 3
    assert len(CASES) >= 45
