"""`cds-service replay EXPORT_DIR`: the command line of the retrospective replay."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from cds_service.replay.export import IncompleteExport
from cds_service.replay.runner import ReplayConfig, replay, report
from cds_service.replay.store import ConflictingRun
from cds_service.replay.workers import PartitionFailed


def add_replay_command(commands: Any) -> None:
    parser = commands.add_parser(
        "replay",
        help="rate every historical cervical-spine imaging order of a FHIR Bulk Data export, as of its date",
        description="Rate every ServiceRequest for a topic procedure in a FHIR Bulk Data export (a directory of "
        "NDJSON files per resource type) as of its own authoredOn date, using only data recorded by then. "
        "Results go to an audit store of their own (for the analytics page) and to a CSV. Interrupt it at "
        "any time; running the same command again resumes.",
    )
    parser.add_argument("export", type=Path, help="the export directory (Patient.ndjson, Condition.ndjson, ...)")
    parser.add_argument(
        "--database", help="replay store URL (default: sqlite:///EXPORT.replay.sqlite3 beside the export)"
    )
    parser.add_argument("--csv", type=Path, help="CSV output, one row per order (default: EXPORT.replay.csv)")
    parser.add_argument(
        "--work-dir", type=Path, help="staging directory (default: EXPORT.replay-work, removed at the end)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes rating partitions")
    parser.add_argument("--partitions", type=int, help="number of partitions (default: from the export's size)")
    parser.add_argument(
        "--undated",
        choices=("exclude", "include"),
        default="exclude",
        help="resources with no date at all: leave out (default: no look-ahead) or use",
    )
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None, help="always draw progress")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never draw progress")
    parser.add_argument("--keep-work", action="store_true", help="keep the staging directory")
    parser.add_argument("--mappings", type=Path, help="mappings directory (default: the shipped one)")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    if args.workers < 1 or (args.partitions is not None and not 1 <= args.partitions <= 100_000):
        print("cds-service replay: --workers must be >= 1 and --partitions between 1 and 100000", file=sys.stderr)
        return 2
    if args.database is not None and not _database_url(args.database):
        # (a forty-second review: a plain path ended in SQLAlchemy's traceback)
        print(
            f"cds-service replay: --database must be a database URL (sqlite:///PATH or postgresql://...), "
            f"not {args.database!r}",
            file=sys.stderr,
        )
        return 2
    config = ReplayConfig.defaults_for(
        args.export,
        database=args.database,
        csv=args.csv,
        work_dir=args.work_dir,
        workers=args.workers,
        partitions=args.partitions,
        undated=args.undated,
        progress=args.progress,
        keep_work=args.keep_work or None,
        mappings=str(args.mappings) if args.mappings else None,
    )
    # SIGINT stops the run cleanly even when it was started with SIGINT ignored (e.g. a shell's `&`)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        summary = replay(config)
    except (FileNotFoundError, FileExistsError, IncompleteExport) as exc:
        print(f"cds-service replay: {exc}", file=sys.stderr)
        return 2
    except ConflictingRun as exc:
        print(f"cds-service replay: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted while staging; run the same command again to start over", file=sys.stderr)
        return 130
    except PartitionFailed as exc:
        print(f"cds-service replay: {exc}\ncommitted partitions are kept; the same command resumes", file=sys.stderr)
        return 1
    report(summary, config, sys.stderr)
    return 130 if summary.interrupted else 0


def _database_url(text: str) -> bool:
    """Whether `text` is a URL SQLAlchemy can open (a dialect it knows)."""
    try:
        make_url(text).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        return False
    return True
