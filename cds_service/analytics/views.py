"""/analytics: the page, its CSV downloads and its assets, behind their own HTTP Basic credential.

Thin: parse the query string into `Filters`, call `build_report`, render or write CSV. Registered
only when CDS_ANALYTICS_PASSWORD is set; otherwise every /analytics path is the app's plain 404.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request, url_for
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from cds_service.analytics import assets
from cds_service.analytics.queries import DELIVERIES, Filters, range_of_data
from cds_service.analytics.summary import Report, build_report
from cds_service.config import Settings
from cds_service.knowledge.model import Knowledge

log = logging.getLogger("cds_service.analytics")

# Only this page's own files: no inline script or style, no other origin. Plotly draws into SVG and
# sets style properties through the CSSOM, which CSP allows; its stylesheet is served by us (assets.py).
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
MAX_DAYS = 3660  # ten years per page
# the dates a page may ask for: far from date.min / date.max, so that the default range (29 days back), week and
# month buckets and the day after `to` are all dates
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)
REALM = 'Basic realm="cds-service analytics", charset="UTF-8"'

blueprint = Blueprint("analytics", __name__, url_prefix="/analytics", template_folder="templates")


@dataclass
class AnalyticsState:
    knowledge: Knowledge
    stores: dict[str, Engine]  # "live" first: the service's own audit store
    credential: bytes  # sha256 of "user:password"
    known_services: tuple[str, ...]


def install(app: Flask, settings: Settings, live: Engine, knowledge: Knowledge, services: tuple[str, ...]) -> None:
    """Register /analytics when a password is configured (else it stays a 404)."""
    if not settings.analytics_password:
        return
    stores = {"live": live}
    for name, url in settings.analytics_stores().items():
        stores[name] = _read_only_engine(url)
    app.extensions["cds_analytics"] = AnalyticsState(
        knowledge=knowledge,
        stores=stores,
        credential=_digest(settings.analytics_user, settings.analytics_password),
        known_services=services,
    )
    app.register_blueprint(blueprint)


def _read_only_engine(url: str) -> Engine:
    """A read-only engine on another store: SQLite opened with mode=ro; a server database as given."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        path = url.removeprefix("sqlite:///")
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def _digest(user: str, password: str) -> bytes:
    return hashlib.sha256(f"{user}:{password}".encode()).digest()


def _state() -> AnalyticsState:
    return current_app.extensions["cds_analytics"]


@blueprint.before_request
def authenticate() -> Response | None:
    """HTTP Basic; the digests are compared in constant time (their length never depends on the input)."""
    given = request.authorization
    ok = (
        given is not None
        and given.type == "basic"
        and hmac.compare_digest(_digest(given.username or "", given.password or ""), _state().credential)
    )
    if ok:
        return None
    if given is not None:
        log.warning("analytics authentication failed", extra={"path": request.path})
    response = Response("authentication required\n", 401, mimetype="text/plain")
    response.headers["WWW-Authenticate"] = REALM
    return response


@blueprint.after_request
def page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


class BadQuery(ValueError):
    """A query-string value the page cannot use; shown to the user."""


def _filters(store: Engine) -> Filters:
    args = request.args
    end, start = _day(args.get("to")), _day(args.get("from"))
    if end is None:
        with store.connect() as connection:
            known = range_of_data(connection)
        end = known[1] if known else date.today()
    start = start or end - timedelta(days=29)
    if start > end:
        raise BadQuery("'from' is after 'to'")
    if (end - start).days >= MAX_DAYS:
        raise BadQuery(f"at most {MAX_DAYS} days per page")
    k = _state().knowledge
    procedure = args.get("procedure") or None
    if procedure is not None and procedure not in k.procedures:
        raise BadQuery("unknown procedure")
    variant = _variant(args.get("variant") or None, k)
    delivery = args.get("delivery") or None
    if delivery is not None and delivery not in DELIVERIES:
        raise BadQuery("unknown delivery mode")
    user = (args.get("user") or "").strip() or None
    service = (args.get("service") or "").strip() or None
    if (user and len(user) > 300) or (service and len(service) > 64):
        raise BadQuery("filter value too long")
    if "\x00" in (user or "") + (service or ""):  # PostgreSQL refuses NUL in a query's text
        raise BadQuery("filter value with a NUL character")
    return Filters(start, end, service, user, procedure, variant, delivery)


def _variant(value: str | None, k: Knowledge) -> int | None:
    """The variant number; BadQuery unless one of the topic's. isdigit() alone would take "²", which int() refuses."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 6) or int(value) not in k.variants:
        raise BadQuery("unknown variant")
    return int(value)


def _day(value: str | None) -> date | None:
    """A `from` / `to` date; BadQuery unless YYYY-MM-DD between FIRST_DAY and LAST_DAY."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadQuery("dates are YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadQuery(f"dates are from {FIRST_DAY} to {LAST_DAY}")
    return day


def _report() -> tuple[str, Report]:
    state = _state()
    name = request.args.get("store") or "live"
    if name not in state.stores:
        raise BadQuery("unknown store")
    engine = state.stores[name]
    try:
        return name, build_report(engine, _filters(engine), state.knowledge, state.known_services)
    except SQLAlchemyError as exc:  # (a replay's store not written yet, a file that is no audit store, a server down)
        raise StoreUnreadable(
            f"the store {name!r} cannot be read ({type(exc).__name__}): is it an audit store?"
        ) from None


class StoreUnreadable(RuntimeError):
    """A configured audit store the page cannot read now; shown to the user (a thirty-third review: a 500)."""


@blueprint.errorhandler(BadQuery)
def bad_query(error: BadQuery) -> Response:
    return Response(f"bad query: {error}\n", 400, mimetype="text/plain")


@blueprint.errorhandler(StoreUnreadable)
def store_unreadable(error: StoreUnreadable) -> Response:
    return Response(f"{error}\n", 503, mimetype="text/plain")


@blueprint.get("/", strict_slashes=False)
def page() -> Any:
    store, report = _report()
    k = _state().knowledge
    query = {key: value for key, value in request.args.items() if value}
    return render_template(
        "analytics.html",
        report=report,
        chart_data=[chart.as_dict() for chart in report.charts],
        store=store,
        stores=list(_state().stores),
        procedures=sorted(k.procedures.values(), key=lambda p: p.short),
        variants=[k.variants[n] for n in sorted(k.variants)],
        deliveries=DELIVERIES,
        csv_url=lambda slug: url_for("analytics.table_csv", slug=slug, **query),
    )


@blueprint.get("/<slug>.csv")
def table_csv(slug: str) -> Response:
    _, report = _report()
    table = report.tables.get(slug)
    if table is None:
        abort(404)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows([[_cell(v) for v in row] for row in table.rows])
    f = report.filters
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}_{f.start}_{f.end}.csv"'
    return response


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@blueprint.get("/assets/<name>")
def asset(name: str) -> Response:
    found = assets.asset(name)
    if found is None:
        abort(404)
    body, mimetype = found
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400"  # no data in these files
    return response
