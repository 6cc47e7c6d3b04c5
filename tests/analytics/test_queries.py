"""The analytics queries and report on a hand-counted audit trail (no Flask), and their query plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from cds_service.analytics import queries
from cds_service.analytics.queries import Filters
from cds_service.analytics.summary import build_report
from cds_service.store import AuditStore
from tests.analytics import data


@pytest.fixture
def store(tmp_path):
    store = AuditStore(f"sqlite:///{tmp_path}/audit.sqlite3")
    data.load(store)
    yield store
    store.close()


def today() -> date:
    return datetime.now(UTC).date()


def report_for(store, knowledge, **filters):
    return build_report(store.engine, Filters(today() - timedelta(days=6), today(), **filters), knowledge)


def table_dict(table):
    return {row[0]: row[1] for row in table.rows}


def test_the_summary_counts_what_was_recorded(store, knowledge):
    report = report_for(store, knowledge)
    assert table_dict(report.tables["summary"]) == data.EXPECTED_SUMMARY
    assert dict(zip(report.tables["latency"].columns, report.tables["latency"].rows[0], strict=True)) == (
        data.EXPECTED_LATENCY
    )


def test_una_share_by_procedure_and_by_variant_spread_ambiguous_orders(store, knowledge):
    report = report_for(store, knowledge)
    by_procedure = {r[0]: tuple(r[2:]) for r in report.tables["una-by-procedure"].rows}
    by_variant = {r[0]: tuple(r[2:]) for r in report.tables["una-by-variant"].rows}
    assert by_procedure == data.EXPECTED_UNA_BY_PROCEDURE
    assert by_variant == data.EXPECTED_UNA_BY_VARIANT
    names = {r[0]: r[1] for r in report.tables["una-by-procedure"].rows}
    assert names["mr-cspine-wo"] == knowledge.procedures["mr-cspine-wo"].short


def test_warning_responses_taken_overridden_with_reason_and_ignored(store, knowledge):
    rows = report_for(store, knowledge).tables["warning-responses"].rows
    assert {(r[0], r[3]): r[4] for r in rows} == data.EXPECTED_WARNINGS
    overridden = next(r for r in rows if r[0] == "overridden")
    assert overridden[1] == "Patient prefers an alternative approach or treatment"


def test_orders_and_calls_over_time_are_zero_filled_per_day(store, knowledge):
    report = report_for(store, knowledge)
    orders = report.tables["orders-over-time"].rows
    assert [r[0] for r in orders] == [(today() - timedelta(days=d)).isoformat() for d in range(6, -1, -1)]
    assert orders[-1][1:] == [1, 3, 1, 0, 0, 5, 80.0]  # appropriate, not-appropriate, no-criteria, ..., rate
    assert all(r[1:6] == [0, 0, 0, 0, 0] for r in orders[:-1])
    calls = report.tables["calls-over-time"].rows
    assert calls[-1][1:] == [5, 4, 1, 0, 5, 20.0]  # calls, answered, 412, 503, orders rated, 412 rate


def test_filters_by_user_service_delivery_procedure_and_variant(store, knowledge):
    def summary(**filters):
        return table_dict(report_for(store, knowledge, **filters).tables["summary"])

    assert summary(user="Practitioner/u2")["orders of topic procedures"] == 1
    assert summary(user="Practitioner/u2")["hook calls"] == 2  # the 412 call has no order
    assert summary(service="cspine-auc-select")["orders of topic procedures"] == 4
    assert summary(delivery="shadow")["orders of topic procedures"] == 1
    assert summary(procedure="ct-myelo-cspine")["orders of topic procedures"] == 1  # a member of an ambiguous list
    assert summary(procedure="xr-cspine")["orders of topic procedures"] == 3
    assert summary(variant=8)["orders of topic procedures"] == 1  # [2, 8]
    assert summary(variant=2)["orders of topic procedures"] == 1
    assert summary(variant=1)["orders of topic procedures"] == 2
    assert summary(variant=5)["orders of topic procedures"] == 0


def test_a_range_without_data_is_empty_not_an_error(store, knowledge):
    report = build_report(store.engine, Filters(date(2020, 1, 1), date(2020, 1, 31)), knowledge)
    assert table_dict(report.tables["summary"])["hook calls"] == 0
    assert report.tables["latency"].rows == [[0, None, None, None]]
    assert report.tables["una-by-procedure"].rows == []


def test_bucket_width_follows_the_range():
    assert Filters(date(2026, 1, 1), date(2026, 4, 30)).bucket == "day"
    assert Filters(date(2026, 1, 1), date(2026, 12, 31)).bucket == "week"
    assert Filters(date(2022, 1, 1), date(2026, 12, 31)).bucket == "month"
    weeks = Filters(date(2026, 1, 1), date(2026, 12, 31)).buckets()
    assert weeks[0] == "2025-12-29" and all(date.fromisoformat(w).weekday() == 0 for w in weeks)


def test_percentiles_are_exact_nearest_rank(tmp_path):
    from cds_service.store.records import HookCallRecord

    store = AuditStore(f"sqlite:///{tmp_path}/latency.sqlite3")
    for ms in range(1, 101):  # 1 .. 100 ms, inserted out of order
        latency = float((ms * 37) % 100 + 1)
        store.record_call(
            HookCallRecord(f"c{ms}", "s", "order-select", "h", None, 200, "answered", 1, latency, "active")
        )
    store.journal.flush()
    with store.engine.connect() as connection:
        found = queries.latency_percentiles(connection, Filters(today(), today()), 100, (0.5, 0.95, 0.99, 1.0))
    assert found == {0.5: 50.0, 0.95: 95.0, 0.99: 99.0, 1.0: 100.0}
    store.close()


@pytest.mark.parametrize("query", ["order_mix", "warning_responses", "latency"])
def test_the_big_queries_read_covering_indexes_and_sort_nothing_on_sqlite(store, query):
    """A million decisions render in about a second only while SQLite neither sorts nor reads table rows."""
    f = Filters(date(2025, 1, 1), date(2026, 12, 31), user="Practitioner/u1")
    captured = []

    class Spy:
        def __init__(self, connection):
            self.connection, self.dialect = connection, connection.dialect

        def execute(self, statement, *args):
            captured.append(statement)
            return self.connection.execute(statement, *args)

    with store.engine.connect() as connection:
        spy = Spy(connection)
        if query == "latency":
            queries.latency_percentiles(spy, f, 5, (0.5,))
        else:
            getattr(queries, query)(spy, f)
        compiled = captured[-1].compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        plan = [row[3] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    assert not any("TEMP B-TREE" in step for step in plan if query != "warning_responses"), plan
    scans = [step for step in plan if step.startswith(("SCAN", "SEARCH")) and "anon" not in step]
    assert scans and all("COVERING INDEX" in step or "sqlite_autoindex" in step for step in scans), plan


def test_a_procedure_filter_matches_the_id_exactly_not_as_a_like_pattern(tmp_path):
    from dataclasses import replace

    store = AuditStore(f"sqlite:///{tmp_path}/like.sqlite3")
    base = data._decision(1, data.SELECT, "u", "active", ["a_b"], [1], "appropriate", "UA")
    store.record_decisions([base, replace(base, consult_id="other", procedures=["axb"])])
    store.journal.flush()
    with store.engine.connect() as connection:
        mix = queries.order_mix(connection, Filters(today(), today(), procedure="a_b"))
    assert [row[2] for row in mix] == ['["a_b"]']
    store.close()
