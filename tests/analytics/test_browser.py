"""The analytics page in a real headless Chromium against `cds-service serve`: the credential, the charts
drawn by Plotly under the page's CSP, the numbers in the tables, a CSV download; saves a screenshot.

The screenshot is tests/artifacts/analytics.png (git-ignored).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import requests

from cds_service.store import AuditStore
from tests.analytics import data
from tests.browser import browser_context, require_browser
from tests.builders import condition, order_json, patient
from tests.hook_requests import hook_body, prefetch_for
from tests.servers import service_process

pytestmark = pytest.mark.integration
PASSWORD = "browser-test-password"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHARTS = [
    "chart-orders",
    "chart-rated-rate",
    "chart-calls",
    "chart-una-procedure",
    "chart-una-variant",
    "chart-warnings",
]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    require_browser()
    tmp = tmp_path_factory.mktemp("analytics-browser")
    store = AuditStore(f"sqlite:///{tmp}/audit.sqlite3")
    data.load(store)
    store.close()
    with service_process(tmp, CDS_ANALYTICS_PASSWORD=PASSWORD, CDS_WORKERS="2") as (base, _process):
        # and one real hook call through the running service: a warning nobody answers
        body = hook_body([order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")]))
        answer = requests.post(f"{base}/cds-services/cspine-auc-select", json=body, timeout=10)
        assert answer.json()["cards"][0]["indicator"] == "warning"
        yield base


# The hand-counted data plus the live call: 6 calls, 6 orders, 4 not appropriate, 4 warnings (2 ignored).
EXPECTED = {
    **data.EXPECTED_SUMMARY,
    "hook calls": 6,
    "orders of topic procedures": 6,
    "orders with a rating (appropriate or not)": 5,
    "rated-order rate (%)": 83.3,
    "not appropriate (UNA in every scenario)": 4,
    "UNA share of rated orders (%)": 80.0,
    "412 rate (%)": 16.7,
    "warning cards": 4,
    "warnings ignored (no feedback) (%)": 50.0,
}
EXPECTED.pop("latency p95 (ms)")  # includes the live call's own latency


def summary_of(page) -> dict[str, float]:
    cells = page.locator("#table-summary tbody tr").all()
    pairs = [row.locator("td").all_inner_texts() for row in cells]
    return {name: float(value) for name, value in pairs if name in EXPECTED}


def refused(context, url: str) -> bool:
    """The browser got no page: a 401, or Chromium gave up on the challenge (it then reports an auth error)."""
    from playwright.sync_api import Error

    page = context.new_page()
    try:
        response = page.goto(url)
    except Error as exc:
        return "ERR_INVALID_AUTH_CREDENTIALS" in str(exc)
    return response.status == 401 and "hook calls" not in page.content()


def test_the_page_needs_its_credential_in_the_browser(service):
    with browser_context() as context:
        assert refused(context, f"{service}/analytics")
    with browser_context(http_credentials={"username": "analytics", "password": "not the password"}) as context:
        assert refused(context, f"{service}/analytics")
        assert refused(context, f"{service}/analytics/summary.csv")
    with browser_context(http_credentials={"username": "analytics", "password": PASSWORD}) as context:
        assert not refused(context, f"{service}/analytics")  # the control


def test_the_charts_render_the_tables_show_the_data_and_a_csv_downloads(service):
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    credentials = {"username": "analytics", "password": PASSWORD}
    with browser_context(http_credentials=credentials, viewport={"width": 1400, "height": 900}) as context:
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" and "script-src" in m.text else None,
        )
        # the journal of the worker that took the live call reaches the database within a second
        for _ in range(20):
            response = page.goto(f"{service}/analytics")
            assert response.status == 200
            if summary_of(page).get("hook calls") == 6:
                break
            page.wait_for_timeout(250)
        assert summary_of(page) == EXPECTED

        for chart in CHARTS:
            page.wait_for_selector(f"#{chart}[data-rendered=true]", timeout=15_000)
            plot = page.locator(f"#{chart}")
            assert plot.locator("svg.main-svg").count() >= 1, chart
            drawn = plot.locator(".barlayer .point path, .scatterlayer .trace path.js-line").count()
            assert drawn > 0, f"{chart}: no bar or line drawn"
        # one bar per procedure with a rated order, one per variant
        assert page.locator("#chart-una-procedure .barlayer .point").count() == 4
        assert page.locator("#chart-una-variant .barlayer .point").count() == 4
        assert page.locator("#chart-warnings .barlayer .point").count() == 3  # taken, overridden, ignored
        assert problems == []

        with page.expect_download() as download:
            page.locator("#table-una-by-procedure a.csv").click()
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
        assert rows[0][:6] == [
            "procedure",
            "name",
            "orders",
            "rated",
            "not appropriate (UNA)",
            "UNA share of rated (%)",
        ]
        by_procedure = {r[0]: tuple(r[2:6]) for r in rows[1:]}
        assert by_procedure["ct-cspine-w"] == ("2", "2", "2", "100.0")  # the live call's CT with contrast, and order 3
        assert by_procedure["mr-cspine-wo"] == ("1", "1", "0", "0.0")

        page.screenshot(path=str(ARTIFACTS / "analytics.png"), full_page=True)
    assert (ARTIFACTS / "analytics.png").stat().st_size > 20_000
