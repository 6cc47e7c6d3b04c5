"""The database tables (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# One row per hook call that reached the service (answered, or refused for missing data): what the
# analytics page counts calls, 412s and latency from. No patient data beyond what `decisions` keeps.
hook_calls = Table(
    "hook_calls",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("hook", String(32), nullable=False),
    Column("hook_instance", String(200), nullable=False),
    Column("user_id", String(300)),
    Column("status", Integer, nullable=False),  # the HTTP status answered: 200, 412, 503
    Column("result", String(32), nullable=False),  # answered | data-unavailable | store-unavailable
    Column("orders", Integer, nullable=False),  # orders rated (topic procedures) in this call
    Column("latency_ms", Float, nullable=False),
    Column("delivery", String(16), nullable=False),  # active | shadow: what the call showed
    Column("options", Text, nullable=False),  # JSON: the configuration options in force for this call
    # the authenticated client (its `iss`) and tenant; none with authentication off (a thirty-seventh review: the
    # trail never said which client called)
    Column("client", String(300)),
    Column("tenant", String(300)),
    Index("ix_hook_calls_received_at", "received_at"),
    # covering indexes of the analytics page's call queries (cds_service/analytics/queries.py): per time
    # bucket, and in latency order for the percentiles
    Index(
        "ix_hook_calls_analytics",
        "received_at",
        "service_id",
        "delivery",
        "user_id",
        "status",
        "result",
        "orders",
        "latency_ms",
    ),
    Index("ix_hook_calls_latency", "latency_ms", "received_at", "service_id", "delivery", "user_id"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("consult_id", String(64), primary_key=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("hook", String(32), nullable=False),
    Column("hook_instance", String(200), nullable=False),
    Column("patient_id", String(200), nullable=False),
    Column("order_id", String(200)),
    Column("procedures", Text, nullable=False),
    Column("variants", Text, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("category", String(16)),
    Column("alternatives", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("topic", String(64), nullable=False),
    # added with hook_calls (older databases get them as NULL columns at start-up, see migrate.py)
    Column("call_id", String(64)),
    Column("user_id", String(300)),
    Column("delivery", String(16)),
    Column("mentions", Text),  # JSON: what was read (concept, context, source element, offsets), never the words
    Index("ix_decisions_recorded_at", "recorded_at"),
    # covering indexes of the analytics page's decision queries (cds_service/analytics/queries.py): per time
    # bucket, and in the order of the outcome mix's GROUP BY (SQLite then aggregates without sorting)
    Index(
        "ix_decisions_analytics",
        "recorded_at",
        "service_id",
        "delivery",
        "user_id",
        "outcome",
        "category",
        "procedures",
        "variants",
    ),
    Index(
        "ix_decisions_mix",
        "outcome",
        "category",
        "procedures",
        "variants",
        "service_id",
        "delivery",
        "recorded_at",
        "user_id",
        "consult_id",
    ),
)

cards = Table(
    "cards",
    metadata,
    Column("card_id", String(64), primary_key=True),
    Column("consult_id", String(64), nullable=False, index=True),
    Column("service_id", String(64), nullable=False),
    Column("hook_instance", String(200), nullable=False),
    Column("indicator", String(16), nullable=False),
    Column("suggestion_ids", Text, nullable=False),
    Index("ix_cards_consult_indicator", "consult_id", "indicator", "card_id"),  # analytics: warnings per decision
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("card_id", String(200), nullable=False, index=True),
    Column("consult_id", String(64)),
    Column("outcome", String(16), nullable=False),
    Column("outcome_timestamp", String(64), nullable=False),
    Column("accepted_suggestions", Text, nullable=False),
    Column("override_system", String(300)),
    Column("override_code", String(200)),
    Column("override_comment_given", Integer, nullable=False),
    Column("client", String(300)),  # the authenticated client that sent it (none with authentication off)
    Index("ix_feedback_analytics", "card_id", "outcome", "override_system", "override_code"),  # warning responses
)

# JWT ids already accepted (replay protection), kept until the token expires; shared by all workers.
token_ids = Table(
    "token_ids",
    metadata,
    Column("issuer", String(300), primary_key=True),
    Column("jti", String(200), primary_key=True),
    Column("expires_at", Float, nullable=False, index=True),
)


# One row per rating a card's suggestion carries (a swapped study, or the order with a reason added: the capture
# card): its own consult id travels in the suggested resource's pama-rating-consult-id extension, so an order signed
# from a suggestion names a consult on record (a thirty-seventh review: those ids were recorded nowhere).
suggested_ratings = Table(
    "suggested_ratings",
    metadata,
    Column("consult_id", String(64), primary_key=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("card_id", String(64), nullable=False, index=True),
    Column("suggestion_id", String(64), nullable=False),
    Column("decision_consult_id", String(64), nullable=False),  # the card's decision (decisions.consult_id)
    Column("procedures", Text, nullable=False),  # JSON: the suggested resource's study (procedure ids)
    Column("reason", String(64)),  # the reason a capture choice adds (a finding id); none for a swap
    Column("rating", String(32), nullable=False),  # the pama-rating code the suggestion carries
    Column("category", String(16)),
)

# Tables written through the audit journal (journal.py), in insertion order, and their columns that the journal's
# JSON lines hold as ISO 8601 text.
JOURNALED_TABLES = (hook_calls, decisions, cards, suggested_ratings)
JOURNAL_TIMESTAMPS = ("recorded_at", "received_at")
