"""Replay benchmark: a synthetic export (bench/synthetic_export.py) through `cds-service replay`.

Run: python bench/replay_bench.py [--patients N] [--workers N] [--seed S]

Runs the real command in its own process group and samples the resident memory of all its processes
(runner and pool workers) every 50 ms; reports orders rated per second (overall, from the start of
the command to its end, staging and CSV included) and the peak RSS (all processes together, and the
largest single one).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic_export import generate

PAGE = os.sysconf("SC_PAGE_SIZE")


def group_rss(pgid: int) -> list[int]:
    """Resident bytes of each process in the process group."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                sizes.append(int((stat.parent / "statm").read_text().split()[1]) * PAGE)
        except (OSError, IndexError, ValueError):
            continue
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="replay-bench-") as tmp:
        export = Path(tmp) / "export"
        started = time.perf_counter()
        resources = generate(export, args.patients, args.seed)
        size = sum(f.stat().st_size for f in export.iterdir())
        print(
            f"python {platform.python_version()}, {os.cpu_count()} cores; export: {args.patients} patients, "
            f"{resources} resources, {size / 1e6:.0f} MB (generated in {time.perf_counter() - started:.0f} s)"
        )
        command = [sys.executable, "-m", "cds_service", "replay", str(export), "--workers", str(args.workers)]
        started = time.perf_counter()
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
        peak_total = peak_single = 0
        while process.poll() is None:
            sizes = group_rss(process.pid)
            if sizes:
                peak_total, peak_single = max(peak_total, sum(sizes)), max(peak_single, max(sizes))
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        output = process.stderr.read()
        if process.returncode:
            raise SystemExit(f"replay failed ({process.returncode}):\n{output}")
        orders = int(re.search(r"orders rated: (\d+)", output).group(1))
        rating = re.search(r"\((\d+) orders/s rating", output).group(1)
        print(
            f"workers {args.workers}: {orders} orders rated in {elapsed:.1f} s = {orders / elapsed:.0f} orders/s "
            f"overall (the command, start to end; rating alone {rating} orders/s)"
        )
        print(f"peak RSS: {peak_total / 2**20:.0f} MiB all processes, {peak_single / 2**20:.0f} MiB the largest one")


if __name__ == "__main__":
    main()
