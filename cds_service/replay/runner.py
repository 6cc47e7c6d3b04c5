"""`cds-service replay`: stage the export by patient, rate the partitions in worker processes, record, write CSV.

Resumable: the staging is reused when its manifest matches the export, and the store remembers which
partitions are committed (store.py), so running the same command again after Ctrl-C or a kill rates
only what is missing. Progress is drawn with rich when stderr is a terminal, and is silent otherwise.
"""

from __future__ import annotations

import hashlib
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

import cds_service
from cds_service.knowledge import default_mappings_dir
from cds_service.replay.export import BadLines, export_files, fingerprint
from cds_service.replay.partition import (
    Staged,
    load_manifest,
    partition_count,
    partition_path,
    remove_work_dir,
    stage,
)
from cds_service.replay.rate import Options, PartitionResult, engine_for, rate_partition
from cds_service.replay.store import ReplayStore
from cds_service.replay.workers import PartitionFailed, rate_in_workers


@dataclass(frozen=True)
class ReplayConfig:
    export: Path
    database: str
    csv: Path
    work_dir: Path
    workers: int = 2
    partitions: int | None = None
    undated: str = "exclude"
    progress: bool | None = None  # None: when stderr is a terminal
    keep_work: bool = False
    mappings: str | None = None

    @classmethod
    def defaults_for(cls, export: Path, **given: Any) -> ReplayConfig:
        """Outputs next to the export directory: EXPORT.replay.sqlite3, EXPORT.replay.csv, EXPORT.replay-work/."""
        export = export.resolve()
        base = export.parent / export.name
        values = {
            "database": f"sqlite:///{base}.replay.sqlite3",
            "csv": Path(f"{base}.replay.csv"),
            "work_dir": Path(f"{base}.replay-work"),
        }
        values.update({k: v for k, v in given.items() if v is not None})
        return cls(export=export, **values)


@dataclass
class Summary:
    run_id: str
    partitions: int
    resumed_partitions: int
    staged: Staged
    counts: Counter[str] = field(default_factory=Counter)
    csv_rows: int = 0
    seconds: float = 0.0
    rating_seconds: float = 0.0
    interrupted: bool = False

    @property
    def orders_per_second(self) -> float:
        return self.counts["orders rated"] / self.seconds if self.seconds else 0.0


def run_id_for(export_fingerprint: str, partitions: int, undated: str, rules: str = "") -> str:
    """A run's identity: the export, how it is partitioned, the options and the rules that rate it (`rules_of`)."""
    return hashlib.sha256(f"{export_fingerprint}/{partitions}/{undated}/{rules}".encode()).hexdigest()[:16]


def rules_of(mappings: str | None) -> str:
    """What rates the orders: the mappings' files and the service's code, as a digest. A store holding a run of other
    rules is refused, not resumed (a thirty-third review: a run resumed by another version mixed two versions' answers
    in one store)."""
    digest = hashlib.sha256()
    code = Path(cds_service.__file__).parent
    for root in (Path(mappings) if mappings else default_mappings_dir(), code):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".json", ".tsv", ".py")):
            digest.update(f"{path.relative_to(root)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def replay(config: ReplayConfig, err: IO[str] | None = None) -> Summary:
    """Run (or resume) the replay; returns what it did. KeyboardInterrupt leaves a resumable state."""
    started = time.perf_counter()
    console = Console(file=err or sys.stderr)
    show = console.is_terminal if config.progress is None else config.progress
    files = export_files(config.export)
    if not files:
        raise FileNotFoundError(f"{config.export}: no NDJSON files of the types the engine reads")
    export_id = fingerprint(files)
    rules = rules_of(config.mappings)
    store = ReplayStore(config.database)
    try:
        # resuming: the partitions of the earlier run of this export (whatever --workers is now)
        earlier = next(
            (p for run, p in store.runs() if run == run_id_for(export_id, p, config.undated, rules)),
            None,
        )
        partitions = config.partitions or earlier or partition_count(sum(f.size for f in files), config.workers)
        run_id = run_id_for(export_id, partitions, config.undated, rules)
        done = store.begin_run(run_id, str(config.export), partitions, config.undated)
        with _progress(console, show) as progress:
            staged = load_manifest(config.work_dir, export_id, partitions)
            if staged is None:
                task = progress.add_task("staging by patient", total=sum(f.size for f in files))
                staged = stage(
                    files, config.work_dir, export_id, partitions, lambda n: progress.advance(task, n), BadLines()
                )
                progress.update(task, completed=sum(f.size for f in files))
            summary = Summary(run_id, partitions, len(done), staged)
            total = sum(staged.service_requests)
            task = progress.add_task("rating orders", total=total)
            progress.update(task, completed=sum(staged.service_requests[p] for p in done))
            options = Options(run_id, config.undated, config.mappings)
            rating_started = time.perf_counter()
            pending = [p for p in range(partitions) if p not in done]
            try:
                with closing(_rate(pending, config, options)) as results:  # closing stops the workers
                    for result in results:
                        store.commit_partition(run_id, result.partition, result.rows)
                        summary.counts.update(result.counts)
                        progress.advance(task, staged.service_requests[result.partition])
            except KeyboardInterrupt:
                summary.interrupted = True
            summary.rating_seconds = time.perf_counter() - rating_started
        if not summary.interrupted:
            names = {p.id: p.short for p in engine_for(config.mappings).knowledge.procedures.values()}
            summary.csv_rows = store.write_csv(run_id, config.csv, names)
            if not config.keep_work:
                remove_work_dir(config.work_dir)
    finally:
        store.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _progress(console: Console, show: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not show,
        transient=False,
    )


def _rate(pending: list[int], config: ReplayConfig, options: Options) -> Iterator[PartitionResult]:
    """PartitionResults as they finish: in this process with one worker, else in forked workers."""
    if config.workers <= 1:
        for partition in pending:
            try:
                result = rate_partition(partition_path(config.work_dir, partition), partition, options)
            except Exception as exc:  # reported as a worker's failure is: the partition named, exit 1
                raise PartitionFailed(f"partition {partition}: {traceback.format_exc()}") from exc
            yield result
        return
    yield from rate_in_workers(pending, config.workers, config.work_dir, options)


def report(summary: Summary, config: ReplayConfig, out: IO[str]) -> None:
    """A plain summary (counts only: no patient data)."""
    c = summary.counts
    staged = summary.staged
    lines = [
        f"replay {summary.run_id}: {summary.partitions} partitions"
        + (f" ({summary.resumed_partitions} already done by an earlier run)" if summary.resumed_partitions else ""),
        f"  export: {staged.resources} resources staged, {staged.without_patient} without a patient reference, "
        f"{staged.medications} Medications (staged with the medicines naming them), {staged.bad_lines} unusable lines",
    ]
    lines += [f"    skipped {example}" for example in staged.bad_examples]
    if staged.bad_lines > len(staged.bad_examples):
        lines.append(f"    ... and {staged.bad_lines - len(staged.bad_examples)} more")
    lines.append(f"  this run: {c['patients']} patients, {c['service requests']} service requests")
    lines.append(f"  orders rated: {c['orders rated']}")
    for key in sorted(k for k in c if k.startswith("outcome ")):
        lines.append(f"    {key.removeprefix('outcome ')}: {c[key]}")
    for key in sorted(k for k in c if k.startswith("skipped")):
        lines.append(f"  {key}: {c[key]}")
    hidden = sorted(k for k in c if k.startswith(("undated ", "after the order ")))
    if hidden:
        lines.append("  resources hidden from an order (counted per order date):")
        lines += [f"    {key}: {c[key]}" for key in hidden]
        if any(k.startswith("undated ") for k in hidden) and config.undated == "exclude":
            lines.append("    (undated resources are left out; --undated include uses them)")
    if summary.interrupted:
        lines.append("interrupted: committed partitions are kept; run the same command again to finish")
    else:
        lines.append(f"  store: {_safe_url(config.database)}")
        lines.append(f"  csv: {config.csv} ({summary.csv_rows} rows)")
        rate = c["orders rated"] / summary.rating_seconds if summary.rating_seconds else 0.0
        overall = summary.orders_per_second
        lines.append(f"  time: {summary.seconds:.1f} s ({rate:.0f} orders/s rating, {overall:.0f} orders/s overall)")
    print("\n".join(lines), file=out)


def _safe_url(url: str) -> str:
    """A database URL without its password."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = rest.split("@", 1)[1]
        return f"{scheme}{sep}…@{rest}"
    return url
