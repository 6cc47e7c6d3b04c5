"""/analytics over HTTP (Flask test client): off by default, its own credential, CSP, CSV, store selector."""

from __future__ import annotations

import csv
import io
import re

import pytest

from cds_service.analytics import assets
from cds_service.analytics.views import PAGE_POLICY
from cds_service.api import create_app
from cds_service.config import ConfigError, Settings
from cds_service.store import AuditStore
from tests.analytics import data
from tests.analytics.conftest import AUTH, PASSWORD, basic


def test_the_page_is_off_404_when_no_password_is_configured(tmp_path, knowledge):
    client = create_app(Settings(database_url=f"sqlite:///{tmp_path}/a.sqlite3"), knowledge=knowledge).test_client()
    for path in ("/analytics", "/analytics/summary.csv", "/analytics/assets/plotly.min.js"):
        assert client.get(path, headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, basic("analytics", "wrong password!"), basic("someone", PASSWORD), {"Authorization": "Bearer " + PASSWORD}],
    ids=["none", "wrong-password", "wrong-user", "bearer"],
)
def test_the_page_csv_and_assets_need_the_analytics_credential(app, headers):
    client = app.test_client()
    for path in ("/analytics", "/analytics/summary.csv", "/analytics/assets/analytics.js"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic ")
        assert b"hook calls" not in response.data


def test_the_page_has_its_own_strict_policy_and_no_inline_script(app):
    response = app.test_client().get("/analytics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY
    assert "unsafe-inline" not in PAGE_POLICY and "unsafe-eval" not in PAGE_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    page = response.get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'src="/analytics/assets/' in tag or 'type="application/json"' in tag, tag
    assert " style=" not in page and "<style" not in page
    # the API keeps its own policy
    assert app.test_client().get("/cds-services").headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_the_page_shows_the_recorded_numbers_and_no_patient_ids(app):
    page = app.test_client().get("/analytics", headers=AUTH).get_data(as_text=True)
    assert '<td>rated-order rate (%)</td><td class="num">80.0</td>' in page
    assert "pat-" not in page
    assert 'id="chart-orders"' in page and 'id="chart-una-procedure"' in page


def test_every_table_downloads_as_csv_with_the_page_numbers(app):
    client = app.test_client()
    page = client.get("/analytics", headers=AUTH).get_data(as_text=True)
    links = re.findall(r'href="(/analytics/[a-z-]+\.csv[^"]*)"', page)
    assert len(links) == 8
    for link in links:
        response = client.get(link.replace("&amp;", "&"), headers=AUTH)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    summary = list(csv.reader(io.StringIO(client.get("/analytics/summary.csv", headers=AUTH).get_data(as_text=True))))
    assert summary[0] == ["measure", "value"]
    assert {k: float(v) for k, v in summary[1:]} == {k: float(v) for k, v in data.EXPECTED_SUMMARY.items()}
    by_procedure = client.get("/analytics/una-by-procedure.csv?procedure=xr-cspine", headers=AUTH).get_data(
        as_text=True
    )
    rows = list(csv.reader(io.StringIO(by_procedure)))
    assert rows[1][:6] == ["xr-cspine", "C-spine radiographs", "3", "2", "2", "100.0"]


def test_bad_filters_are_a_400_with_a_reason(app):
    client = app.test_client()
    for query, reason in [
        ("from=2026-13-01", "YYYY-MM-DD"),
        ("from=2026-02-01&to=2026-01-01", "after"),
        ("procedure=%25", "procedure"),
        ("variant=9", "variant"),
        ("store=nope", "store"),
        ("delivery=loud", "delivery"),
    ]:
        response = client.get(f"/analytics?{query}", headers=AUTH)
        assert response.status_code == 400 and reason in response.get_data(as_text=True)
    assert client.get("/analytics/nothing.csv", headers=AUTH).status_code == 404


def test_another_store_is_selectable_read_only(tmp_path, knowledge):
    other = AuditStore(f"sqlite:///{tmp_path}/replay.sqlite3")
    data.load(other)
    other.close()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/live.sqlite3",
        analytics_password=PASSWORD,
        analytics_databases=f"replay=sqlite:///{tmp_path}/replay.sqlite3",
    )
    client = create_app(settings, knowledge=knowledge).test_client()
    live = client.get("/analytics/summary.csv", headers=AUTH).get_data(as_text=True)
    replay = client.get("/analytics/summary.csv?store=replay", headers=AUTH).get_data(as_text=True)
    assert "hook calls,0" in live and "hook calls,5" in replay
    assert 'option value="replay"' in client.get("/analytics", headers=AUTH).get_data(as_text=True)


def test_settings_refuse_a_short_password_and_bad_store_lists():
    with pytest.raises(ConfigError, match="CDS_ANALYTICS_PASSWORD"):
        Settings(analytics_password="short").check()
    with pytest.raises(ConfigError, match="CDS_ANALYTICS_DATABASES"):
        Settings(analytics_databases="no-equals-sign").check()
    with pytest.raises(ConfigError, match="taken"):
        Settings(analytics_databases="live=sqlite:///x.sqlite3").check()


def test_plotly_is_served_from_the_installed_package_with_its_stylesheet(app):
    client = app.test_client()
    js = client.get("/analytics/assets/plotly.min.js", headers=AUTH)
    assert js.status_code == 200 and len(js.data) > 1_000_000 and js.mimetype == "text/javascript"
    css = client.get("/analytics/assets/plotly.css", headers=AUTH).get_data(as_text=True)
    assert css.count("{") > 50 and ".js-plotly-plot .plotly .main-svg{" in css
    assert assets.asset("../views.py") is None


@pytest.mark.parametrize("kind", ["not there yet", "no audit store"])
def test_a_configured_store_the_page_cannot_read_is_a_503_with_its_name(tmp_path, knowledge, kind):
    path = tmp_path / ("missing/replay.sqlite3" if kind == "not there yet" else "empty.sqlite3")
    if kind == "no audit store":
        path.write_bytes(b"")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/live.sqlite3",
        analytics_password=PASSWORD,
        analytics_databases=f"replay=sqlite:///{path}",
    )
    client = create_app(settings, knowledge=knowledge).test_client()
    for url in ("/analytics?store=replay", "/analytics/summary.csv?store=replay"):
        response = client.get(url, headers=AUTH)
        assert response.status_code == 503 and "'replay' cannot be read" in response.get_data(as_text=True)
    assert client.get("/analytics/summary.csv", headers=AUTH).status_code == 200  # (control: the live store)
