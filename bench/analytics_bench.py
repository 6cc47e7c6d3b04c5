"""Analytics page benchmark: a million decisions (+ calls, cards, feedback) in a throw-away SQLite file.

Run: python bench/analytics_bench.py [--decisions N] [--db PATH] [--runs N]

Generates the data with bench/analytics_data.py (once: an existing --db file is reused), then times,
server-side, the whole page (Flask test client: queries, report, template) for a year, a month, and
the year filtered by user and by procedure + variant, and each query of the year on its own.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.analytics_data import DAYS, END, generate
from cds_service.analytics.queries import Filters
from cds_service.analytics.summary import build_report
from cds_service.api import create_app
from cds_service.config import Settings
from cds_service.knowledge import load_knowledge

PASSWORD = "benchmark-password-1234"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="database file (kept; reused when it exists)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    directory = None if args.db else tempfile.TemporaryDirectory(prefix="analytics-bench-")
    path = args.db or Path(directory.name) / "audit.sqlite3"
    url = f"sqlite:///{path}"
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, database {path}")
    if not path.exists():
        started = time.perf_counter()
        counts = generate(url, args.decisions)
        print(f"generated {counts} in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    app = create_app(Settings(database_url=url, analytics_password=PASSWORD, log_level="WARNING"))
    print(f"service start (indexes checked/created): {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(f"analytics:{PASSWORD}".encode()).decode()}
    year = f"from={date.fromordinal(END.toordinal() - DAYS + 1)}&to={END}"
    pages = {
        "year (every decision)": year,
        "last 30 days": f"from={date.fromordinal(END.toordinal() - 29)}&to={END}",
        "year, one ordering user": year + "&user=Practitioner/p0042",
        "year, one procedure and variant": year + "&procedure=xr-cspine&variant=1",
    }
    print(f"\npage GET /analytics, server-side (first request of the process, then median / max of {args.runs})")
    for label, query in pages.items():
        times = []
        for _ in range(args.runs + 1):
            t = time.perf_counter()
            response = client.get(f"/analytics?{query}", headers=auth)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.status_code
        warm = times[1:]
        median = statistics.median(warm)
        print(f"  {label:34s} first {times[0]:6.0f} ms   median {median:6.0f} ms   max {max(warm):6.0f} ms")
    t = time.perf_counter()
    response = client.get(f"/analytics/una-by-procedure.csv?{year}", headers=auth)
    print(f"  {'CSV download (year)':34s} {(time.perf_counter() - t) * 1000:6.0f} ms")

    print(f"\nqueries for the year (median of {args.runs}, ms; run two at a time)")
    engine = app.extensions["cds_service"].store.engine
    knowledge = load_knowledge()
    f = Filters(date.fromordinal(END.toordinal() - DAYS + 1), END)
    timings: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for name, ms in build_report(engine, f, knowledge).timings_ms.items():
            timings.setdefault(name, []).append(ms)
    for name, values in timings.items():
        print(f"  {name:22s} {statistics.median(values):6.0f}")
    app.extensions["cds_service"].store.close()
    if directory:
        directory.cleanup()


if __name__ == "__main__":
    main()
