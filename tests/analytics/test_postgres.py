"""The analytics report and the replay store on a real PostgreSQL server give what they give on SQLite."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from cds_service.analytics.queries import Filters
from cds_service.analytics.summary import build_report
from cds_service.replay.runner import ReplayConfig, replay
from cds_service.replay.store import ReplayStore
from cds_service.store import AuditStore
from tests.analytics import data
from tests.replay import hand_checked
from tests.store.postgres import throwaway_postgres

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def postgres_url():
    yield from throwaway_postgres()


def tables(engine, knowledge, f):
    report = build_report(engine, f, knowledge)
    return {slug: table.rows for slug, table in report.tables.items()}


def test_the_report_on_postgresql_equals_the_report_on_sqlite(postgres_url, tmp_path, knowledge):
    today = datetime.now(UTC).date()
    f = Filters(today - timedelta(days=200), today)  # weekly buckets
    stores = [AuditStore(postgres_url), AuditStore(f"sqlite:///{tmp_path}/audit.sqlite3")]
    for store in stores:
        data.load(store)
    on_postgres, on_sqlite = (tables(store.engine, knowledge, f) for store in stores)
    assert on_postgres == on_sqlite
    assert {row[0]: row[1] for row in on_postgres["summary"]} == data.EXPECTED_SUMMARY
    filtered = Filters(today, today, procedure="ct-myelo-cspine", variant=8, user="Practitioner/u2")
    assert tables(stores[0].engine, knowledge, filtered) == tables(stores[1].engine, knowledge, filtered)
    for store in stores:
        store.close()


def test_a_replay_into_postgresql(postgres_url, tmp_path, knowledge):
    export = hand_checked.write(tmp_path / "export")
    admin = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE replay"))  # a database of its own, away from the audit tables
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/replay"
    config = ReplayConfig.defaults_for(export, database=url, csv=tmp_path / "replay.csv", workers=1)
    summary = replay(config)
    assert summary.counts["orders rated"] == summary.csv_rows == len(hand_checked.EXPECTED)
    again = replay(config)  # everything committed: nothing rated twice
    assert again.resumed_partitions == again.partitions and again.counts["orders rated"] == 0
    store = ReplayStore(url)
    assert store.decisions_count(summary.run_id) == len(hand_checked.EXPECTED)
    report = build_report(store.engine, Filters(date(2024, 1, 1), date(2024, 3, 31)), knowledge)
    store.close()
    assert {row[0]: row[1] for row in report.tables["summary"].rows}["not appropriate (UNA in every scenario)"] == 2
