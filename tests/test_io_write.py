"""The atomic writer when the file system refuses a write: one line naming the target, the previous
version untouched, no temporary file left (issue 13, item 5: disk full)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from spinereview.cli import main
from spinereview.errors import OutputError
from spinereview.io import atomic_path, write_text_atomic


def _refuse(code: int):
    def fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    return fsync


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (errno.ENOSPC, "Free disk space"),
        (errno.EDQUOT, "quota"),
        (errno.EFBIG, "ulimit -f"),
        (errno.EROFS, "read-only"),
    ],
)
def test_a_refused_write_names_the_target_and_keeps_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, hint: str
) -> None:
    target = tmp_path / "pooled.csv"
    target.write_text("previous\n", encoding="utf-8")
    monkeypatch.setattr(os, "fsync", _refuse(code))
    with pytest.raises(OutputError) as info:
        write_text_atomic(target, "new\n")
    message = str(info.value)
    assert message.startswith(f"{target}: cannot write the file ({os.strerror(code)})")
    assert "previous version is unchanged" in message and hint in message
    assert info.value.errno == code
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pooled.csv"]  # no temp file left


def test_a_folder_that_cannot_be_created_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("a file where a folder should be\n", encoding="utf-8")
    # ENOTDIR is not a disk condition: it stays an OSError for the caller to see
    with pytest.raises(OSError) as info, atomic_path(blocker / "x.csv"):
        pass
    assert not isinstance(info.value, OutputError)


def test_other_errors_in_the_block_pass_through_and_leave_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_text("half\n", encoding="utf-8")
        raise ValueError("boom")
    assert list(tmp_path.iterdir()) == []


def test_the_cli_prints_one_line_and_exits_1_when_the_disk_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "estimates.csv"
    out.write_text("previous\n", encoding="utf-8")
    monkeypatch.setattr(os, "fsync", _refuse(errno.ENOSPC))
    status = main(
        [
            "review-estimates",
            "--evidence",
            str(root / "data/evidence/reviews_pooled.csv"),
            "--mapping",
            str(root / "data/extraction/review_mapping.csv"),
            "--config",
            str(root / "config/config.yaml"),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert status == 1
    assert f"error: {out}: cannot write the file (No space left on device)" in err
    assert "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "previous\n"
