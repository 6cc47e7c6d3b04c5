"""Durable audit trail and feedback: SQLite by default, PostgreSQL (or any SQLAlchemy URL) by configuration."""

from cds_service.store.audit import AuditStore, StoreRefused, StoreUnavailable
from cds_service.store.records import DecisionRecord, FeedbackRecord, HookCallRecord

__all__ = ["AuditStore", "DecisionRecord", "FeedbackRecord", "HookCallRecord", "StoreRefused", "StoreUnavailable"]
