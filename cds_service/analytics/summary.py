"""The analytics report: the queries' rows turned into tables (each downloadable as CSV) and charts.

Framework-free: `build_report(engine, filters, knowledge)` runs the queries (two at a time, each on
its own connection; the database drivers release the GIL while the database works) and returns plain
data; views.py renders it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from cds_service.analytics import queries
from cds_service.analytics.queries import DELIVERIES, OUTCOMES, RESULTS, Filters
from cds_service.cards.builder import OVERRIDE_REASONS
from cds_service.knowledge.model import Knowledge

WORKERS = 2  # parallel queries: helps a server database; SQLite on 2 busy cores gains little
QUANTILES = (0.5, 0.95, 0.99)
RATED = ("appropriate", "not-appropriate")  # outcomes with an ACR rating of the ordered study
OUTCOME_COLOURS = {
    "appropriate": "#2a9d8f",
    "not-appropriate": "#e76f51",
    "no-criteria-apply": "#8d99ae",
    "insufficient-data": "#e9c46a",
    "not-applicable": "#cccccc",
}
RESULT_LABELS = {
    "answered": "answered (200)",
    "data-unavailable": "data unavailable (412)",
    "store-unavailable": "store unavailable (503)",
}
OVERRIDE_LABELS = {code: display for _system, code, display in OVERRIDE_REASONS}


@dataclass
class Table:
    """One table of the page; `slug` names its CSV download."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class Chart:
    """A Plotly figure as plain data (traces and layout), drawn in the browser by analytics.js."""

    id: str
    title: str
    traces: list[dict[str, Any]]
    layout: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "traces": self.traces, "layout": self.layout}

    def points(self) -> int:
        return sum(len(t.get("y") or t.get("x") or ()) for t in self.traces)


@dataclass
class Report:
    filters: Filters
    tables: dict[str, Table]
    charts: list[Chart]
    services: list[str]
    timings_ms: dict[str, float] = field(default_factory=dict)


def _run(engine: Engine, function: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    with engine.connect() as connection:
        result = function(connection, *args)
    return result, (time.perf_counter() - started) * 1000


def build_report(engine: Engine, f: Filters, knowledge: Knowledge, known_services: tuple[str, ...] = ()) -> Report:
    """Every table and chart of the page for these filters."""
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="analytics") as pool:
        jobs = {
            "orders_over_time": pool.submit(_run, engine, queries.orders_over_time, f),
            "calls_over_time": pool.submit(_run, engine, queries.calls_over_time, f),
            "order_mix": pool.submit(_run, engine, queries.order_mix, f),
            "warning_responses": pool.submit(_run, engine, queries.warning_responses, f),
        }
        results = {name: job.result() for name, job in jobs.items()}
    timings = {name: round(ms, 1) for name, (_, ms) in results.items()}
    orders_rows = results["orders_over_time"][0]
    calls_rows = results["calls_over_time"][0]
    mix = results["order_mix"][0]
    warnings = results["warning_responses"][0]
    total_calls = sum(sum(row[1:-1]) for row in calls_rows)
    (latency, latency_ms) = _run(engine, queries.latency_percentiles, f, total_calls, QUANTILES)
    timings["latency_percentiles"] = round(latency_ms, 1)

    tables: dict[str, Table] = {}
    charts: list[Chart] = []
    tables["summary"] = _summary(orders_rows, calls_rows, warnings, latency, total_calls)
    orders_table, orders_charts = _orders_over_time(orders_rows, f)
    tables[orders_table.slug] = orders_table
    charts += orders_charts
    calls_table, calls_chart = _calls_over_time(calls_rows, f)
    tables[calls_table.slug] = calls_table
    charts.append(calls_chart)
    for table, chart in (_una_by_procedure(mix, knowledge), _una_by_variant(mix, knowledge)):
        tables[table.slug] = table
        charts.append(chart)
    warnings_table, warnings_chart = _warning_responses(warnings)
    tables[warnings_table.slug] = warnings_table
    charts.append(warnings_chart)
    tables["delivery"] = _delivery(mix)
    tables["latency"] = Table(
        "latency",
        "Latency of hook calls (ms, as the service measured it)",
        ["calls", *(f"p{round(q * 100)}" for q in QUANTILES)],
        [[total_calls, *(None if latency[q] is None else round(latency[q], 1) for q in QUANTILES)]],
        "exact nearest-rank percentiles over every call in the range (answered and refused)",
    )
    services = sorted({row[4] for row in mix} | set(known_services) | ({f.service} if f.service else set()))
    return Report(f, tables, charts, services, timings)


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _summary(
    orders_rows: list[tuple[Any, ...]],
    calls_rows: list[tuple[Any, ...]],
    warnings: list[tuple[Any, ...]],
    latency: dict[float, float | None],
    total_calls: int,
) -> Table:
    by_outcome = {o: sum(row[1 + i] for row in orders_rows) for i, o in enumerate(OUTCOMES)}
    topic_orders = sum(n for o, n in by_outcome.items() if o != "not-applicable")
    rated = sum(by_outcome[o] for o in RATED)
    refused_412 = sum(row[1 + RESULTS.index("data-unavailable")] for row in calls_rows)
    warned = sum(n for *_, n in warnings)
    ignored = sum(n for response, _, _, n in warnings if response == "ignored")
    rows = [
        ["hook calls", total_calls],
        ["orders of topic procedures", topic_orders],
        ["orders with a rating (appropriate or not)", rated],
        ["rated-order rate (%)", _pct(rated, topic_orders)],
        ["not appropriate (UNA in every scenario)", by_outcome["not-appropriate"]],
        ["UNA share of rated orders (%)", _pct(by_outcome["not-appropriate"], rated)],
        ["calls refused 412, data unavailable", refused_412],
        ["412 rate (%)", _pct(refused_412, total_calls)],
        ["warning cards", warned],
        ["warnings ignored (no feedback) (%)", _pct(ignored, warned)],
        ["latency p95 (ms)", None if latency.get(0.95) is None else round(latency[0.95], 1)],
    ]
    return Table("summary", "Summary", ["measure", "value"], rows)


def _layout(y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "barmode": "stack",
        "margin": {"l": 60, "r": 20, "t": 10, "b": 40},
        "legend": {"orientation": "h", "y": -0.2},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
        "height": 320,
        **extra,
    }


def _orders_over_time(rows: list[tuple[Any, ...]], f: Filters) -> tuple[Table, list[Chart]]:
    buckets = [row[0] for row in rows]
    table_rows = []
    rates = []
    for row in rows:
        counts = dict(zip(OUTCOMES, row[1:], strict=True))
        topic = sum(n for o, n in counts.items() if o != "not-applicable")
        rate = _pct(sum(counts[o] for o in RATED), topic)
        rates.append(rate)
        table_rows.append([row[0], *row[1:], sum(row[1:]), rate])
    traces = [
        {
            "type": "bar",
            "name": outcome,
            "x": buckets,
            "y": [row[1 + i] for row in rows],
            "marker": {"color": OUTCOME_COLOURS[outcome]},
        }
        for i, outcome in enumerate(OUTCOMES)
        if any(row[1 + i] for row in rows)
    ]
    table = Table(
        "orders-over-time",
        f"Orders rated per {f.bucket}, by outcome",
        ["bucket", *OUTCOMES, "orders", "rated-order rate (%)"],
        table_rows,
        "rated-order rate = orders with a rating (appropriate or not appropriate) ÷ orders of topic procedures",
    )
    orders_chart = Chart("chart-orders", table.title, traces, _layout("orders"))
    rate_chart = Chart(
        "chart-rated-rate",
        f"Rated-order rate per {f.bucket} (%)",
        [{"type": "scatter", "mode": "lines+markers", "name": "rated-order rate", "x": buckets, "y": rates}],
        _layout("%", yaxis={"title": {"text": "%"}, "range": [0, 100]}),
    )
    return table, [orders_chart, rate_chart]


def _calls_over_time(rows: list[tuple[Any, ...]], f: Filters) -> tuple[Table, Chart]:
    by_result = [list(row[1 : 1 + len(RESULTS)]) for row in rows]
    table_rows = [
        [row[0], sum(counts), *counts, row[-1], _pct(counts[1], sum(counts))]
        for row, counts in zip(rows, by_result, strict=True)
    ]
    traces = [
        {
            "type": "bar",
            "name": RESULT_LABELS[result],
            "x": [row[0] for row in rows],
            "y": [counts[r] for counts in by_result],
        }
        for r, result in enumerate(RESULTS)
        if any(counts[r] for counts in by_result)
    ]
    table = Table(
        "calls-over-time",
        f"Hook calls per {f.bucket}, by result",
        ["bucket", "calls", *RESULT_LABELS.values(), "orders rated", "412 rate (%)"],
        table_rows,
        "procedure and variant filters do not apply to calls",
    )
    return table, Chart("chart-calls", table.title, traces, _layout("calls"))


def _spread(mix: list[tuple[Any, ...]], column: int) -> dict[Any, dict[str, int]]:
    """Orders per member of a JSON-list column (procedures or variants) and outcome."""
    out: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in mix:
        outcome, n = row[0], row[-1]
        for member in orjson.loads(row[column]):
            out[member][outcome] += n
    return out


def _una_rows(spread: dict[Any, dict[str, int]], label: Any) -> list[list[Any]]:
    rows = []
    for key, counts in spread.items():
        orders = sum(counts.values())
        rated = sum(counts[o] for o in RATED)
        una = counts["not-appropriate"]
        rows.append([key, label(key), orders, rated, una, _pct(una, rated)])
    rows.sort(key=lambda r: (-(r[5] or 0), -r[2]))
    return rows


def _una_chart(chart_id: str, title: str, rows: list[list[Any]]) -> Chart:
    shown = [r for r in rows if r[5] is not None][::-1]  # largest share on top
    trace = {
        "type": "bar",
        "orientation": "h",
        "name": "UNA share (%)",
        "y": [str(r[1]) for r in shown],
        "x": [r[5] for r in shown],
        "text": [f"{r[4]} of {r[3]}" for r in shown],
        "marker": {"color": "#e76f51"},
    }
    layout = _layout("", height=max(200, 26 * len(shown) + 60), xaxis={"title": {"text": "% of rated orders"}})
    layout["margin"] = {"l": 260, "r": 20, "t": 10, "b": 40}
    return Chart(chart_id, title, [trace], layout)


def _una_by_procedure(mix: list[tuple[Any, ...]], k: Knowledge) -> tuple[Table, Chart]:
    def name(pid: str) -> str:
        procedure = k.procedures.get(pid)
        return procedure.short if procedure else pid

    rows = _una_rows(_spread(mix, 2), name)
    table = Table(
        "una-by-procedure",
        "Usually-not-appropriate orders by procedure",
        ["procedure", "name", "orders", "rated", "not appropriate (UNA)", "UNA share of rated (%)"],
        rows,
        "an order whose code may mean several studies counts for each of them",
    )
    return table, _una_chart("chart-una-procedure", table.title, rows)


def _una_by_variant(mix: list[tuple[Any, ...]], k: Knowledge) -> tuple[Table, Chart]:
    def title(number: int) -> str:
        variant = k.variants.get(number)
        return f"V{number} {variant.short}" if variant else f"V{number}"

    rows = _una_rows(_spread(mix, 3), title)
    table = Table(
        "una-by-variant",
        "Usually-not-appropriate orders by ACR variant",
        ["variant", "title", "orders", "rated", "not appropriate (UNA)", "UNA share of rated (%)"],
        rows,
        "an order whose chart leaves several variants possible counts for each of them",
    )
    return table, _una_chart("chart-una-variant", table.title, rows)


def _warning_responses(rows: list[tuple[Any, ...]]) -> tuple[Table, Chart]:
    total = sum(n for *_, n in rows)
    order = {"taken": 0, "overridden": 1, "ignored": 2}
    table_rows = []
    for response, system, code, n in sorted(rows, key=lambda r: (order.get(r[0], 3), -r[3])):
        reason = OVERRIDE_LABELS.get(code, code) if code else ("no reason given" if response == "overridden" else "")
        table_rows.append([response, reason, system or "", code or "", n, _pct(n, total)])
    labels = [f"{r[0]}: {r[1]}" if r[1] else r[0] for r in table_rows]
    trace = {
        "type": "bar",
        "orientation": "h",
        "name": "warning cards",
        "y": labels[::-1],
        "x": [r[4] for r in table_rows][::-1],
        "marker": {"color": "#264653"},
    }
    layout = _layout("", height=max(200, 30 * len(table_rows) + 60), xaxis={"title": {"text": "warning cards"}})
    layout["margin"] = {"l": 380, "r": 20, "t": 10, "b": 40}
    table = Table(
        "warning-responses",
        "What clinicians did with warnings",
        ["response", "override reason", "reason system", "reason code", "warning cards", "share (%)"],
        table_rows,
        "taken = a suggestion accepted; overridden = dismissed with a reason; ignored = no feedback for the card",
    )
    return table, Chart("chart-warnings", table.title, [trace], layout)


def _delivery(mix: list[tuple[Any, ...]]) -> Table:
    orders: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in mix:
        orders[row[5] or "unknown"][row[0]] += row[-1]
    rows = []
    for mode in sorted(orders, key=lambda m: (DELIVERIES.index(m) if m in DELIVERIES else len(DELIVERIES), m)):
        counts = orders[mode]
        topic = sum(n for o, n in counts.items() if o != "not-applicable")
        rated = sum(counts[o] for o in RATED)
        rows.append(
            [mode, topic, *(counts[o] for o in OUTCOMES), _pct(rated, topic), _pct(counts["not-appropriate"], rated)]
        )
    return Table(
        "delivery",
        "Orders by delivery mode",
        ["delivery", "orders", *OUTCOMES, "rated-order rate (%)", "UNA share of rated (%)"],
        rows,
        "active = cards shown; shadow = decided and recorded, not shown; replay = cds-service replay",
    )
