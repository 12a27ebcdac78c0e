"""Curated screening inputs: study characteristics, other-source records, study links, overrides."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spinereview.errors import InputError
from spinereview.io import read_table

DECISIONS = ("included", "excluded")


def _require(path: Path, number: int, row: dict[str, str], fields: Sequence[str]) -> None:
    for name in fields:
        if not row[name].strip():
            raise InputError(path, "value is required", row=number, field=name)


@dataclass(frozen=True)
class CuratedStudy:
    """One row of data/evidence/studies.csv: a publication or comparison, read from the paper."""

    publication_id: str
    pmid: str
    doi: str
    title: str
    authors: str
    journal: str
    year: str
    intervention: str
    comparator: str
    condition: str
    chronic: str
    n_randomised: str
    drug: str = ""  # the injectate of the tested arm, free text


def load_curated(path: str | Path) -> list[CuratedStudy]:
    """Load the curated study characteristics (data/evidence/studies.csv)."""
    path = Path(path)
    cols = (
        "study_id",
        "pmid",
        "doi",
        "title",
        "authors",
        "journal",
        "year",
        "intervention",
        "comparator",
        "condition",
        "chronic",
        "n_randomised",
    )
    out, seen = [], set()
    for number, row in enumerate(read_table(path, cols), start=1):
        _require(path, number, row, ("study_id", "intervention", "comparator", "condition"))
        if row["study_id"] in seen:
            raise InputError(
                path, f"duplicate study_id {row['study_id']!r}", row=number, field="study_id"
            )
        if row["pmid"] and not row["pmid"].isdigit():
            raise InputError(
                path, f"PMID {row['pmid']!r} is not a number", row=number, field="pmid"
            )
        if row["n_randomised"] and not row["n_randomised"].isdigit():
            raise InputError(
                path, "n_randomised must be a whole number", row=number, field="n_randomised"
            )
        seen.add(row["study_id"])
        out.append(
            CuratedStudy(
                row["study_id"],
                row["pmid"],
                row["doi"],
                row["title"],
                row["authors"],
                row["journal"],
                row["year"],
                row["intervention"],
                row["comparator"],
                row["condition"],
                row["chronic"],
                row["n_randomised"],
                row.get("drug", ""),
            )
        )
    return out


@dataclass(frozen=True)
class OtherSource:
    """A record identified by other methods (PRISMA 2020 right-hand column)."""

    publication_id: str
    doi: str
    method: str


def load_other_sources(path: str | Path, curated: Sequence[CuratedStudy]) -> list[OtherSource]:
    """Load data/screening/other_sources.csv; each row must be a curated study without a PMID."""
    path = Path(path)
    by_id = {c.publication_id: c for c in curated}
    out = []
    for number, row in enumerate(read_table(path, ("study_id", "doi", "method")), start=1):
        _require(path, number, row, ("study_id", "method"))
        study = by_id.get(row["study_id"])
        if study is None:
            raise InputError(
                path,
                f"study_id {row['study_id']!r} is not in the curated studies",
                row=number,
                field="study_id",
            )
        if study.pmid:
            raise InputError(
                path,
                f"{study.publication_id} has PMID {study.pmid}; it is a PubMed "
                "record, not one identified by other methods",
                row=number,
                field="study_id",
            )
        if row["doi"].casefold() != study.doi.casefold():
            raise InputError(
                path,
                f"DOI {row['doi']!r} differs from the curated DOI {study.doi!r}",
                row=number,
                field="doi",
            )
        out.append(OtherSource(row["study_id"], row["doi"], row["method"]))
    listed = {o.publication_id for o in out}
    unlisted = sorted(
        c.publication_id for c in curated if not c.pmid and c.publication_id not in listed
    )
    if unlisted:
        raise InputError(
            path,
            "curated studies without a PMID must be listed here: " + ", ".join(unlisted),
            field="study_id",
        )
    return out


@dataclass(frozen=True)
class StudyLink:
    """A publication (or comparison) that belongs to a multi-report study."""

    publication_id: str
    study_id: str
    role: str


def load_links(path: str | Path, curated: Sequence[CuratedStudy]) -> dict[str, StudyLink]:
    """Load data/screening/study_links.csv → {publication_id: link}."""
    path = Path(path)
    known = {c.publication_id for c in curated}
    links: dict[str, StudyLink] = {}
    for number, row in enumerate(read_table(path, ("publication_id", "study_id", "role")), start=1):
        _require(path, number, row, ("publication_id", "study_id", "role"))
        pub = row["publication_id"]
        if pub not in known:
            raise InputError(
                path,
                f"publication_id {pub!r} is not in the curated studies",
                row=number,
                field="publication_id",
            )
        if pub in links:
            raise InputError(path, f"{pub} is linked twice", row=number, field="publication_id")
        links[pub] = StudyLink(pub, row["study_id"], row["role"])
    return links


@dataclass(frozen=True)
class Override:
    """A reviewer's decision that wins over the rules."""

    record_id: str
    decision: str
    reason: str
    reviewer: str
    date: str = ""


def _decision_date(path: Path, number: int, value: str) -> str:
    """A reviewer's decision date: an ISO calendar date (YYYY-MM-DD), not after today."""
    import datetime as dt
    import re

    text = value.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            path, f"{value!r} is not a date; write it as YYYY-MM-DD", row=number, field="date"
        ) from None
    if day > dt.date.today():
        raise InputError(path, f"{text} is in the future", row=number, field="date")
    return text


def load_overrides(path: str | Path, known_record: Callable[[str], bool]) -> dict[str, Override]:
    """Load data/screening/overrides.csv → {record_id: override}."""
    path = Path(path)
    cols = ("record_id", "decision", "reason", "reviewer", "date")
    out: dict[str, Override] = {}
    for number, row in enumerate(read_table(path, cols), start=1):
        _require(path, number, row, cols)
        if row["decision"] not in DECISIONS:
            raise InputError(
                path,
                f"decision must be one of {', '.join(DECISIONS)}",
                row=number,
                field="decision",
            )
        if not known_record(row["record_id"]):
            raise InputError(
                path,
                f"record_id {row['record_id']!r} is not a screened record",
                row=number,
                field="record_id",
            )
        if row["record_id"] in out:
            raise InputError(path, "record overridden twice", row=number, field="record_id")
        out[row["record_id"]] = Override(
            row["record_id"],
            row["decision"],
            row["reason"],
            row["reviewer"],
            _decision_date(path, number, row["date"]),
        )
    return out
