"""Command-line entry point: one subcommand per pipeline step, called by the Snakemake rules."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spinereview import __version__
from spinereview.errors import SpinereviewError

log = logging.getLogger("spinereview")
STAGES_WITH_COMMANDS = ("screening", "evidence", "figures", "citations", "report", "notebooks")


def _queries(text: str) -> list[dict[str, Any]]:
    """Parse the --queries argument: a JSON list of {"id": ..., "term": ...}."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"--queries is not valid JSON: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(q, dict) and "id" in q for q in value):
        raise argparse.ArgumentTypeError('--queries must be a JSON list of {"id", "term"} objects')
    return value


def _queries_or_config(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Queries from --queries (Snakemake passes its merged config), else from --config."""
    if args.queries is not None:
        return args.queries
    from spinereview.config import load_config

    return load_config(args.config)["search"]["queries"]


def cmd_build_snapshot(args: argparse.Namespace) -> None:
    from spinereview.config import load_config
    from spinereview.pubmed.snapshot_build import build_snapshot

    config = load_config(args.config)
    out_dir = Path(args.out_dir or config["search"]["snapshot_dir"])
    manifest = build_snapshot(
        Path(args.evidence_dir), out_dir, config["search"]["queries"], args.date
    )
    for query in manifest["queries"]:
        log.info(
            "%s: %d records -> %s", query["id"], query["esearch_count"], out_dir / query["file"]
        )


def cmd_verify_snapshot(args: argparse.Namespace) -> None:
    from spinereview.io import write_text_atomic
    from spinereview.pubmed.snapshot import verify_snapshot

    report = verify_snapshot(Path(args.snapshot_dir), _queries_or_config(args))
    for query_id, entry in report.items():
        log.info("%s: %s records, sha256 ok", query_id, entry["records"])
    if args.out:
        write_text_atomic(args.out, json.dumps(report, indent=2, sort_keys=True) + "\n")


def cmd_parse_records(args: argparse.Namespace) -> None:
    from spinereview.pubmed.records import build_records

    snapshot_dir = Path(args.snapshot_dir)
    files = [(q["id"], snapshot_dir / f"{q['id']}.xml") for q in _queries_or_config(args)]
    count = build_records(files, Path(args.out_parquet), Path(args.out_csv))
    log.info("%d records from %d queries -> %s", count, len(files), args.out_parquet)


def cmd_parse_shard(args: argparse.Namespace) -> None:
    from spinereview.pubmed.records import build_records_shard

    snapshot_dir = Path(args.snapshot_dir)
    files = [(q["id"], snapshot_dir / f"{q['id']}.xml") for q in _queries_or_config(args)]
    count = build_records_shard(files, args.shard, Path(args.out))
    log.info("shard %s: %d records from %d queries -> %s", args.shard, count, len(files), args.out)


def cmd_gather_records(args: argparse.Namespace) -> None:
    from spinereview.pubmed.records import gather_records

    count = gather_records(
        [Path(p) for p in args.shards], Path(args.out_parquet), Path(args.out_csv)
    )
    log.info("%d records from %d shards -> %s", count, len(args.shards), args.out_parquet)


def _json_object(text: str) -> dict[str, Any]:
    """Parse a JSON object argument (Snakemake passes config blocks this way)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def cmd_screen_records(args: argparse.Namespace) -> None:
    from spinereview.screening.run import ScreeningInputs, run_screening

    if args.protocol is None:
        from spinereview.config import load_config

        args.protocol = load_config(args.config)["screening"]
    inputs = ScreeningInputs(
        studies=Path(args.studies),
        other_sources=Path(args.other_sources),
        links=Path(args.links),
        overrides=Path(args.overrides),
        manifest=Path(args.manifest) if args.manifest else None,
    )
    classified = [Path(p) for p in args.classified] if args.classified is not None else None
    prisma = run_screening(
        Path(args.records), inputs, args.protocol, Path(args.out_dir), classified
    )
    for query_id, pmids in prisma.get("withheld", {}).items():
        log.warning(
            "query %s: PMID(s) %s withheld by efetch: counted as identified and as reports not "
            "retrieved in PRISMA",
            query_id,
            ", ".join(pmids),
        )
    log.info(
        "%d studies (%d reports) included -> %s",
        prisma["included"]["studies"],
        prisma["included"]["reports"],
        args.out_dir,
    )


def cmd_screen_shard(args: argparse.Namespace) -> None:
    from spinereview.screening.run import classify_records

    if args.protocol is None:
        from spinereview.config import load_config

        args.protocol = load_config(args.config)["screening"]
    count = classify_records(Path(args.records), Path(args.studies), args.protocol, Path(args.out))
    log.info("%d records classified -> %s", count, args.out)


def cmd_harmonise_effects(args: argparse.Namespace) -> None:
    from spinereview.extraction.run import harmonise_sheet, write_effects

    if args.settings is None:
        from spinereview.config import load_config

        args.settings = load_config(args.config)["extraction"]
    rows = harmonise_sheet(
        Path(args.sheet),
        Path(args.studies),
        Path(args.comparisons),
        args.settings,
        Path(args.arm_statistics),
    )
    write_effects(rows, Path(args.out_parquet), Path(args.out_csv))
    if not rows:
        log.warning(
            "%s has a header but no data rows: nothing is harmonised and every analysis has "
            "k = 0 (fill the sheet: README, 'Extraction: the curated sheet')",
            args.sheet,
        )
    usable = sum(r["poolable"] and r["included"] and r["selected"] for r in rows)
    log.info("%d sheet rows harmonised, %d poolable rows of included studies", len(rows), usable)
    log.info(
        "%d rows with recovered or hand-derived numbers (derived), %d with a borrowed SD (imputed)",
        sum(r["derived"] for r in rows),
        sum(r["imputed"] for r in rows),
    )


def cmd_extract_candidates(args: argparse.Namespace) -> None:
    from spinereview.extraction.run import gather_candidates, run_candidates

    tables = (
        Path(args.sheet),
        Path(args.studies),
        Path(args.out_candidates),
        Path(args.out_crosscheck),
        Path(args.out_drafts) if args.out_drafts else None,
    )
    if args.shards is not None:  # the per-shard parts (extract-shard), gathered
        counts = gather_candidates([Path(p) for p in args.shards], *tables)
    else:
        counts = run_candidates(Path(args.records), *tables)
    abstracts, candidates, checks, drafts = counts
    if abstracts == 0:
        log.warning(
            "no record has an abstract (the embedded snapshot was rebuilt without "
            "abstracts): nothing to extract, cross-check or draft"
        )
    log.info(
        "%d abstracts, %d candidates, %d cross-check rows, %d draft sheet rows (never pooled)",
        abstracts,
        candidates,
        checks,
        drafts,
    )


def cmd_extract_shard(args: argparse.Namespace) -> None:
    from spinereview.extraction.run import extract_shard

    count = extract_shard(Path(args.records), Path(args.studies), Path(args.out))
    log.info("%d abstracts read for candidates -> %s", count, args.out)


def cmd_pool_effects(args: argparse.Namespace) -> None:
    from spinereview.extraction.run import read_effects
    from spinereview.pooling.run import run_pooling
    from spinereview.screening.run import read_randomised

    if args.settings is None:
        from spinereview.config import load_config

        args.settings = load_config(args.config)["meta"]
    if args.recovery is None:
        from spinereview.config import load_config

        args.recovery = load_config(args.config)["extraction"]["recovery"]
    effects = read_effects(args.effects).to_pylist()
    pooled = run_pooling(
        effects,
        args.settings,
        Path(args.out_dir),
        read_randomised(args.included),
        exclude_imputed=bool(args.recovery["borrow_sd"]),
    )
    fitted = sum(r["k"] > 0 for r in pooled if r["run"] == "main")
    log.info("%d analysis x window cells, %d with at least one study", len(pooled), fitted)


def cmd_search_live(args: argparse.Namespace) -> None:
    from spinereview.pubmed.eutils import EutilsSettings
    from spinereview.pubmed.live import run_live_search

    search = None
    if args.queries is None or args.eutils is None:
        from spinereview.config import load_config

        search = load_config(args.config)["search"]
    queries = args.queries if args.queries is not None else search["queries"]  # type: ignore[index]
    eutils = args.eutils if args.eutils is not None else search.get("eutils")  # type: ignore[union-attr]
    # The API key is read from NCBI_API_KEY only: never from the command line, which Snakemake prints.
    settings = EutilsSettings.from_config(eutils)
    path = run_live_search(queries, Path(args.out_root), settings, date=args.date,
                           show_progress=True if args.progress else None)  # fmt: skip
    log.info("new snapshot: %s", path)


def cmd_diff_snapshots(args: argparse.Namespace) -> None:
    from spinereview.io import write_text_atomic
    from spinereview.pubmed.live import diff_snapshots, format_diff, previous_snapshot, write_diff

    new = Path(args.new)
    old = Path(args.old) if args.old else previous_snapshot(new.parent, before=new.name)
    if old is None:
        log.info("no earlier snapshot to compare %s with", new)
        if args.out:
            write_text_atomic(args.out, "{}\n")
        return
    diff = diff_snapshots(old, new)
    log.info("%s -> %s\n%s", old, new, format_diff(diff))
    if args.out:
        write_diff(diff, args.out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spinereview", description=__doc__)
    parser.add_argument("--version", action="version", version=f"spinereview {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", default="config/config.yaml", help="review protocol (YAML)")

    p = sub.add_parser("build-snapshot", help="rebuild data/pubmed/snapshot/ from data/evidence/")
    with_config(p)
    p.add_argument("--evidence-dir", default="data/evidence")
    p.add_argument("--out-dir", default=None, help="default: search.snapshot_dir of the config")
    p.add_argument("--date", default="2026-11-27", help="retrieval_date written to the manifest")
    p.set_defaults(func=cmd_build_snapshot)

    p = sub.add_parser("verify-snapshot", help="check checksums and counts against manifest.json")
    with_config(p)
    p.add_argument("--snapshot-dir", default="data/pubmed/snapshot")
    p.add_argument("--queries", type=_queries, default=None, help="JSON list; overrides --config")
    p.add_argument("--out", default=None, help="write the verification report (JSON) here")
    p.set_defaults(func=cmd_verify_snapshot)

    p = sub.add_parser("parse-records", help="parse the snapshot into the records table")
    with_config(p)
    p.add_argument("--snapshot-dir", default="data/pubmed/snapshot")
    p.add_argument("--queries", type=_queries, default=None, help="JSON list; overrides --config")
    p.add_argument("--out-parquet", default="results/records.parquet")
    p.add_argument("--out-csv", default="results/records.csv")
    p.set_defaults(func=cmd_parse_records)

    p = sub.add_parser("parse-shard", help="parse the records of one shard (scale.shards)")
    with_config(p)
    p.add_argument("--snapshot-dir", default="data/pubmed/snapshot")
    p.add_argument("--queries", type=_queries, default=None, help="JSON list; overrides --config")
    p.add_argument("--shard", required=True, help="the shard, e.g. 2-of-3")
    p.add_argument("--out", required=True, help="the shard's records (Parquet)")
    p.set_defaults(func=cmd_parse_shard)

    p = sub.add_parser("gather-records", help="join the shards' records into the records table")
    p.add_argument("--shards", nargs="+", required=True, help="the shards' Parquet files")
    p.add_argument("--out-parquet", default="results/records.parquet")
    p.add_argument("--out-csv", default="results/records.csv")
    p.set_defaults(func=cmd_gather_records)

    p = sub.add_parser("screen-records", help="eligibility, de-duplication, PRISMA counts")
    with_config(p)
    p.add_argument(
        "--protocol",
        type=_json_object,
        default=None,
        help="JSON of the config's screening block; overrides --config",
    )
    p.add_argument("--records", default="results/records.parquet")
    p.add_argument("--studies", default="data/evidence/studies.csv")
    p.add_argument("--other-sources", default="data/screening/other_sources.csv")
    p.add_argument("--links", default="data/screening/study_links.csv")
    p.add_argument("--overrides", default="data/screening/overrides.csv")
    p.add_argument(
        "--manifest",
        default=None,
        help="the snapshot's manifest.json: PMIDs efetch withheld count as reports not retrieved",
    )
    p.add_argument("--out-dir", default="results/screening")
    p.add_argument(
        "--classified",
        nargs="*",
        default=None,
        help="the shards' classifications (screen-shard) of exactly the records of --records",
    )
    p.set_defaults(func=cmd_screen_records)

    p = sub.add_parser("screen-shard", help="classify the records of one shard (screening)")
    with_config(p)
    p.add_argument(
        "--protocol",
        type=_json_object,
        default=None,
        help="JSON of the config's screening block; overrides --config",
    )
    p.add_argument("--records", required=True, help="the shard's records (parse-shard)")
    p.add_argument("--studies", default="data/evidence/studies.csv")
    p.add_argument("--out", required=True, help="the shard's classifications (JSON lines)")
    p.set_defaults(func=cmd_screen_shard)

    p = sub.add_parser("harmonise-effects", help="validate the curated sheet, harmonise its rows")
    with_config(p)
    p.add_argument(
        "--settings",
        type=_json_object,
        default=None,
        help="JSON of the config's extraction block; overrides --config",
    )
    p.add_argument("--sheet", default="data/extraction/effects.csv")
    p.add_argument("--arm-statistics", default="data/extraction/arm_statistics.csv")
    p.add_argument("--studies", default="data/evidence/studies.csv")
    p.add_argument("--comparisons", default="results/screening/comparisons.csv")
    p.add_argument("--out-parquet", default="results/extraction/effects.parquet")
    p.add_argument("--out-csv", default="results/extraction/effects.csv")
    p.set_defaults(func=cmd_harmonise_effects)

    p = sub.add_parser("extract-candidates", help="effect statements in abstracts + cross-check")
    p.add_argument("--records", default="results/records.parquet")
    p.add_argument("--sheet", default="data/extraction/effects.csv")
    p.add_argument("--studies", default="data/evidence/studies.csv")
    p.add_argument("--out-candidates", default="results/extraction/candidates.csv")
    p.add_argument("--out-crosscheck", default="results/extraction/crosscheck.csv")
    p.add_argument(
        "--out-drafts",
        default="results/extraction/draft_rows.csv",
        help="draft sheet rows from the effect candidates ('' to skip)",
    )
    p.add_argument(
        "--shards",
        nargs="+",
        default=None,
        help="the shards' files (extract-shard), read instead of --records",
    )
    p.set_defaults(func=cmd_extract_candidates)

    p = sub.add_parser("extract-shard", help="candidates and draft rows of one shard's abstracts")
    p.add_argument("--records", required=True, help="the shard's records (parse-shard)")
    p.add_argument("--studies", default="data/evidence/studies.csv")
    p.add_argument("--out", required=True, help="the shard's candidates (JSON lines)")
    p.set_defaults(func=cmd_extract_shard)

    p = sub.add_parser("pool-effects", help="run the configured meta-analyses")
    with_config(p)
    p.add_argument(
        "--settings",
        type=_json_object,
        default=None,
        help="JSON of the config's meta block; overrides --config",
    )
    p.add_argument(
        "--recovery",
        type=_json_object,
        default=None,
        help="JSON of the config's extraction.recovery block (borrow_sd adds the run "
        "excluding_imputed); overrides --config",
    )
    p.add_argument("--effects", default="results/extraction/effects.parquet")
    p.add_argument("--included", default="results/screening/included.csv")
    p.add_argument("--out-dir", default="results/meta")
    p.set_defaults(func=cmd_pool_effects)

    p = sub.add_parser("search-live", help="search PubMed (E-utilities) and write a dated snapshot")
    with_config(p)
    p.add_argument("--queries", type=_queries, default=None, help="JSON list; overrides --config")
    p.add_argument("--eutils", type=_json_object, default=None,
                   help="JSON of search.eutils (no API key: set NCBI_API_KEY)")  # fmt: skip
    p.add_argument("--out-root", default="data/pubmed")
    p.add_argument("--date", default=None, help="YYYY-MM-DD of the new snapshot (default: today)")
    p.add_argument(
        "--progress", action="store_true", help="draw the progress bar even without a tty"
    )
    p.set_defaults(func=cmd_search_live)

    p = sub.add_parser("diff-snapshots", help="PMIDs added and removed between two snapshots")
    p.add_argument("--new", required=True, help="the newer snapshot folder")
    p.add_argument("--old", default=None, help="default: the latest snapshot before --new")
    p.add_argument("--out", default=None, help="write the diff as JSON here")
    p.set_defaults(func=cmd_diff_snapshots)

    # Stages that bring their own subcommands: a module ``spinereview.<stage>.commands`` with
    # ``register(subparsers)`` adds them (screening review, evidence, figures, citations, report,
    # notebooks).
    for stage in STAGES_WITH_COMMANDS:
        if importlib.util.find_spec(f"spinereview.{stage}") is not None:
            module = importlib.import_module(f"spinereview.{stage}.commands")
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; a SpinereviewError is printed as one line and gives exit status 1."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from spinereview.pubmed.redact import install, redact

    for handler in logging.getLogger().handlers:  # every record on the console: no NCBI secret
        install(handler)
    try:
        args.func(args)
    except SpinereviewError as exc:
        print(f"error: {redact(exc)}", file=sys.stderr)
        return 1
    return 0
