"""The README's screenshot of the analytics page: synthetic audit data, the real server, headless Chromium.

Run: python bench/analytics_screenshot.py [--decisions N] [--out docs/analytics.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.analytics_data import DAYS, END, generate
from tests.browser import browser_context
from tests.servers import service_process

PASSWORD = "screenshot-password"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("docs/analytics.png"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="analytics-shot-") as tmp:
        generate(f"sqlite:///{tmp}/audit.sqlite3", args.decisions)
        with service_process(Path(tmp), CDS_ANALYTICS_PASSWORD=PASSWORD, CDS_WORKERS="1") as (base, _):
            credentials = {"username": "analytics", "password": PASSWORD}
            with browser_context(http_credentials=credentials, viewport={"width": 1400, "height": 900}) as context:
                page = context.new_page()
                start = date.fromordinal(END.toordinal() - DAYS + 1)
                page.goto(f"{base}/analytics?from={start}&to={END}", timeout=60_000)
                page.wait_for_selector("#chart-warnings[data-rendered=true]", timeout=30_000)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out), full_page=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
