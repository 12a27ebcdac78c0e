"""Curated CSV tables as spreadsheets save them: BOM, latin-1, semicolons, tabs — a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinereview.errors import InputError
from spinereview.extraction.sheet import COLUMNS, load_sheet

ROOT = Path(__file__).resolve().parents[1]
SHEET = ROOT / "data/extraction/effects.csv"
STUDIES = {"Carette1997": "9171065"}


def first_rows(n: int = 2) -> str:
    return "".join(SHEET.read_text(encoding="utf-8").splitlines(keepends=True)[: n + 1])


def test_a_sheet_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "effects.csv"
    path.write_bytes(b"\xef\xbb\xbf" + first_rows(1).encode("utf-8"))
    rows = load_sheet(path, STUDIES)
    assert [r.row_id for r in rows] == ["E001"]


def test_a_latin1_sheet_names_file_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "effects.csv"
    text = first_rows(2).replace("Difference in change", "Différence in change")
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_sheet(path, STUDIES)
    message = str(info.value)
    assert info.value.line == 2 and "not UTF-8 text (byte 0xe9)" in message
    assert "save the file as UTF-8" in message and str(path) in message


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_sheet_separated_by_semicolons_or_tabs_says_so(
    tmp_path: Path, sep: str, name: str
) -> None:
    path = tmp_path / "effects.csv"
    path.write_text(sep.join(COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_sheet(path, STUDIES)
    assert f"the header is separated by {name}: save the file as comma-separated" in str(info.value)
    assert info.value.field == "row_id"


def test_a_field_over_128_kib_reads(tmp_path: Path) -> None:
    """The csv module's default limit (131,072 characters) is raised when the package is imported."""
    import csv

    from spinereview.io import read_table
    from spinereview.report.content import read_csv

    title = "Epidural steroid injection " * 10_000  # 270 KB, one field
    path = tmp_path / "decisions.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["record_id", "title"])
        writer.writerow(["r1", title])
    assert read_table(path, ["record_id", "title"])[0]["title"] == title
    assert read_csv(path)[0]["title"] == title


def test_an_error_names_the_file_line_a_text_editor_shows(tmp_path: Path) -> None:
    """Header = line 1: the second data row of a CSV is line 3 (was "row 2", one line off)."""
    path = tmp_path / "effects.csv"
    lines = first_rows(3).splitlines(keepends=True)
    lines[2] = lines[2].replace("E002", "X002")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_sheet(path, STUDIES | {"Iversen2011": "21914755"})
    assert info.value.row == 2  # the data row, for code
    assert f"{path}, line 3, field 'row_id'" in str(info.value)
    assert path.read_text(encoding="utf-8").splitlines()[2].startswith("X002")


def test_a_note_longer_than_128_kib_reads(tmp_path: Path) -> None:
    """Before: csv's default field limit raised "_csv.Error: field larger than field limit" (traceback)."""
    path = tmp_path / "effects.csv"
    note = "Difference in change" + " 0123456789" * 19000
    path.write_text(first_rows(1).replace("Difference in change", note), encoding="utf-8")
    rows = load_sheet(path, STUDIES)
    assert len(rows[0].note) > 200_000


def test_a_folder_instead_of_a_sheet_names_it(tmp_path: Path) -> None:
    """Before: an IsADirectoryError traceback (e.g. --config 'extraction={sheet: data/extraction}')."""
    with pytest.raises(InputError) as info:
        load_sheet(tmp_path, STUDIES)
    assert str(info.value) == f"{tmp_path}: is a folder, not a file: name the CSV file itself"


def test_a_utf16_sheet_says_so(tmp_path: Path) -> None:
    path = tmp_path / "effects.csv"
    path.write_bytes(first_rows(1).encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16 text; save the file as UTF-8"):
        load_sheet(path, STUDIES)


def test_iter_table_yields_the_rows_before_a_bad_one_then_names_it(tmp_path: Path) -> None:
    from spinereview.io import iter_table, read_table

    path = tmp_path / "decisions.csv"
    path.write_text("record_id,decision\npmid:1,included\npmid:2,excluded\npmid:3\n", "utf-8")
    rows = iter_table(path, ("record_id", "decision"))
    assert next(rows) == {"record_id": "pmid:1", "decision": "included"}
    assert next(rows)["record_id"] == "pmid:2"
    with pytest.raises(InputError, match="fewer values than header columns") as streamed:
        next(rows)
    with pytest.raises(InputError) as whole:
        read_table(path, ("record_id", "decision"))
    assert str(streamed.value) == str(whole.value)
    assert "decisions.csv, line 4" in str(whole.value)  # row 3 is line 4 of the file


def test_iter_table_checks_the_header_at_the_first_row(tmp_path: Path) -> None:
    from spinereview.io import iter_table

    path = tmp_path / "decisions.csv"
    path.write_text("record_id;decision\npmid:1;included\n", "utf-8")
    rows = iter_table(path, ("record_id", "decision"))
    with pytest.raises(InputError, match="separated by semicolons"):
        next(rows)
