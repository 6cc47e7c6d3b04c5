"""Retrospective replay: rate every historical topic order of a FHIR Bulk Data export as of its own date.

export.py (streaming NDJSON reader) -> partition.py (stage by patient) -> rate.py (one partition, with
lookahead.py's as-of filter) -> store.py (the replay's audit store, progress, CSV); runner.py runs it
and command.py is `cds-service replay`.
"""
