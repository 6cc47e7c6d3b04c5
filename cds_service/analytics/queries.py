"""The analytics page's aggregate queries: GROUP BY in the database, SQLite and PostgreSQL alike.

Every function takes a SQLAlchemy connection and a `Filters` and returns plain tuples; nothing here
knows about Flask. Each query reads a covering index (tables.py: `ix_*_analytics`, `ix_decisions_mix`,
`ix_hook_calls_latency`, `ix_cards_consult_indicator`, `ix_feedback_analytics`), so it never touches
the wide rows (evidence, reasons, options), and none makes SQLite sort the rows of the range
(tests/analytics/test_queries.py checks the query plans).

Procedures and variants are JSON lists in text columns (an order whose code may mean several studies
lists them all). The queries group by the whole list (a few dozen distinct values) and `summary.py`
spreads each group over its members; the filters match one member with LIKE on the quoted id
(procedures) or the comma-delimited number (variants).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, case, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from cds_service.store.tables import cards, decisions, feedback, hook_calls

# Bucket width by the length of the range: at most ~120 points per time series.
_DAY_LIMIT, _WEEK_LIMIT = 120, 840


@dataclass(frozen=True)
class Filters:
    """What the page shows: a range of days (both included, UTC) and optional filters."""

    start: date
    end: date
    service: str | None = None
    user: str | None = None
    procedure: str | None = None
    variant: int | None = None
    delivery: str | None = None

    @property
    def bucket(self) -> str:
        """day, week or month: the width of one point of the time series."""
        days = (self.end - self.start).days + 1
        return "day" if days <= _DAY_LIMIT else "week" if days <= _WEEK_LIMIT else "month"

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the range."""
        return datetime.combine(self.end + timedelta(days=1), time.min, UTC)

    def buckets(self) -> list[str]:
        """Every bucket of the range, as the ISO date of its first day (for zero-filled series)."""
        first = bucket_start(self.start, self.bucket)
        out, day = [], first
        while day <= self.end:
            out.append(day.isoformat())
            day = _next_bucket(day, self.bucket)
        return out


def bucket_start(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next_bucket(day: date, unit: str) -> date:
    if unit == "week":
        return day + timedelta(days=7)
    if unit == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _scanned(column: Any, dialect: str) -> Any:
    """`column` for a range filter that must not pick the index (SQLite's unary + idiom).

    The outcome mix and the percentiles read an index in the order they need (group, latency) and
    filter the range as they go; given an indexable range, SQLite would read the range index instead
    and sort a million rows.
    """
    if dialect != "sqlite":
        return column
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def _common_filters(table: Table, when: ColumnElement[Any], f: Filters) -> list[ColumnElement[bool]]:
    """The date range, service, delivery and user: what decisions and hook calls are both filtered by."""
    c = table.c
    where = [when >= f.since, when < f.until]
    if f.service:
        where.append(c.service_id == f.service)
    if f.delivery:
        where.append(c.delivery == f.delivery)
    if f.user:
        where.append(c.user_id == f.user)
    return where


def _decision_filters(f: Filters, dialect: str = "") -> list[ColumnElement[bool]]:
    c = decisions.c
    where = _common_filters(decisions, _scanned(c.recorded_at, dialect), f)
    if f.procedure:
        where.append(c.procedures.like(f'%"{_plain(f.procedure)}"%', escape="\\"))
    if f.variant is not None:
        n = int(f.variant)
        where.append(
            or_(
                c.variants == f"[{n}]",
                c.variants.like(f"[{n},%"),
                c.variants.like(f"%,{n},%"),
                c.variants.like(f"%,{n}]"),
            )
        )
    return where


def _call_filters(f: Filters, dialect: str = "") -> list[ColumnElement[bool]]:
    """Procedure and variant do not apply to calls (a call may carry several orders, or none)."""
    return _common_filters(hook_calls, _scanned(hook_calls.c.received_at, dialect), f)


def _plain(value: str) -> str:
    """An id safe inside a LIKE pattern (ids come from the knowledge base; this is a second guard)."""
    if not value.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"not a procedure id: {value!r}")
    return value.replace("_", r"\_")  # '_' matches any character in LIKE unless escaped


OUTCOMES = ("appropriate", "not-appropriate", "no-criteria-apply", "insufficient-data", "not-applicable")
RESULTS = ("answered", "data-unavailable", "store-unavailable")
DELIVERIES = ("active", "shadow", "replay")


def _per_bucket(
    connection: Connection,
    f: Filters,
    column: Any,
    where: list[ColumnElement[bool]],
    measures: list[ColumnElement[Any]],
) -> list[tuple[Any, ...]]:
    """(bucket, *measures) for every bucket of the range, zeros included, without a GROUP BY.

    SQLite groups by sorting every row (~0.3 s per million before any work); one range scan per
    bucket with conditional counts (`count(*) FILTER (WHERE ...)`, SQLite >= 3.30 and PostgreSQL)
    reads the covering index in order and sorts nothing. The statement is compiled once and run
    per bucket with the bucket's bounds as parameters.
    """
    labels = f.buckets()
    edges = [datetime.combine(date.fromisoformat(b), time.min, UTC) for b in labels]
    edges = [max(edges[0], f.since), *edges[1:], f.until] if edges else []
    low, high = bindparam("low", type_=column.type), bindparam("high", type_=column.type)
    query = select(*measures).where(column >= low, column < high, *where)
    out = []
    for label, first, after in zip(labels, edges, edges[1:], strict=False):
        out.append((label, *connection.execute(query, {"low": first, "high": after}).one()))
    return out


def orders_over_time(connection: Connection, f: Filters) -> list[tuple[Any, ...]]:
    """(bucket, orders per outcome in OUTCOMES order...) for every bucket."""
    c = decisions.c
    measures = [func.count().filter(c.outcome == o).label(o) for o in OUTCOMES]
    where = _decision_filters(f)[2:]  # the range is per bucket
    return _per_bucket(connection, f, c.recorded_at, where, measures)


def calls_over_time(connection: Connection, f: Filters) -> list[tuple[Any, ...]]:
    """(bucket, calls per result in RESULTS order..., orders rated) for every bucket."""
    c = hook_calls.c
    measures = [func.count().filter(c.result == r) for r in RESULTS]
    measures.append(func.coalesce(func.sum(c.orders), 0))
    return _per_bucket(connection, f, c.received_at, _call_filters(f)[2:], measures)


def order_mix(connection: Connection, f: Filters) -> list[tuple[Any, ...]]:
    """(outcome, category, procedures JSON, variants JSON, service, delivery, orders) over the range.

    Read in the order of `ix_decisions_mix`, so SQLite aggregates as it scans instead of sorting
    (the whole index, whatever the range: ~0.2 s per million decisions).
    """
    c = decisions.c
    keys = (c.outcome, c.category, c.procedures, c.variants, c.service_id, c.delivery)
    query = select(*keys, func.count()).where(*_decision_filters(f, connection.dialect.name)).group_by(*keys)
    return [tuple(row) for row in connection.execute(query)]


def warning_responses(connection: Connection, f: Filters) -> list[tuple[Any, ...]]:
    """(response, override system, override code, warning cards): what clinicians did with warnings.

    A warning card with an `accepted` feedback item counts as *taken*, else with an `overridden` one as
    *overridden* (with the reason given), else as *ignored* (no feedback at all).
    """
    per_card = (
        select(
            feedback.c.card_id,
            func.max(case((feedback.c.outcome == "accepted", 1), else_=0)).label("accepted"),
            func.max(case((feedback.c.outcome == "overridden", 1), else_=0)).label("overridden"),
            func.max(feedback.c.override_system).label("system"),
            func.max(feedback.c.override_code).label("code"),
        )
        .group_by(feedback.c.card_id)
        .subquery()
    )
    taken = per_card.c.accepted == 1
    response = case((taken, "taken"), (per_card.c.overridden == 1, "overridden"), else_="ignored").label("response")
    system = case((taken, None), else_=per_card.c.system).label("system")
    code = case((taken, None), else_=per_card.c.code).label("code")
    # Warnings are given for not-appropriate decisions only (cards/builder.py): reading those off
    # ix_decisions_mix (consult_id included) and their cards off ix_cards_consult_indicator touches
    # no table row.
    query = (
        select(response, system, code, func.count())
        .select_from(
            decisions.join(
                cards, and_(cards.c.consult_id == decisions.c.consult_id, cards.c.indicator == "warning")
            ).outerjoin(per_card, per_card.c.card_id == cards.c.card_id)
        )
        .where(decisions.c.outcome == "not-appropriate", *_decision_filters(f, connection.dialect.name))
        .group_by(response, system, code)
    )
    return [tuple(row) for row in connection.execute(query)]


def latency_percentiles(
    connection: Connection, f: Filters, calls: int, quantiles: tuple[float, ...]
) -> dict[float, float | None]:
    """Exact nearest-rank percentiles of `latency_ms` over the `calls` calls the filters select.

    One `ORDER BY latency_ms LIMIT 1 OFFSET k` per percentile, read from `ix_hook_calls_latency` from
    whichever end is nearer (p99 walks 1 % of the index): no percentile function needed, nothing sorted.
    """
    out: dict[float, float | None] = {}
    column = hook_calls.c.latency_ms
    for q in quantiles:
        if calls <= 0:
            out[q] = None
            continue
        rank = max(1, min(calls, math.ceil(round(q * calls, 6))))  # 1-based
        ascending = rank <= calls / 2
        query = (
            select(column)
            .where(*_call_filters(f, connection.dialect.name))
            .order_by(column if ascending else column.desc())
            .limit(1)
            .offset(rank - 1 if ascending else calls - rank)
        )
        value = connection.execute(query).scalar_one_or_none()
        out[q] = None if value is None else float(value)
    return out


def range_of_data(connection: Connection) -> tuple[date, date] | None:
    """The first and last day with a decision or a hook call (the page's default range ends there)."""
    found = []
    for column in (decisions.c.recorded_at, hook_calls.c.received_at):
        for extreme in (func.min(column), func.max(column)):  # one each: SQLite reads them off the index
            value = connection.execute(select(extreme)).scalar()
            if value is not None:
                found.append(_as_date(value))
    return (min(found), max(found)) if found else None


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    return date.fromisoformat(str(value)[:10])
