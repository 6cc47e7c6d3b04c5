"""The chart's reads and searches in one FHIR `batch` (`POST [base]`) when the server takes batches.

Whether it does is read once per base URL from its CapabilityStatement (`GET [base]/metadata`): a `batch`
or `transaction` system interaction (HAPI FHIR, for one, lists only `transaction` and processes both).
The answer is remembered for CAPABILITY_TTL. A check that fails, or a batch the server answers with an
error or not with a batch-response, means parallel GETs for that server for RETRY_AFTER; a batch that
gets no answer in time (or none at all) is followed by the GETs in the time left, and tried again on the
next call. The check has half of the time left of the hook call's budget, so a slow one leaves time for
the GETs; everything else shares the call's deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from requests.utils import requote_uri

from cds_service.fhir.client import (
    NOT_FOUND,
    Deadline,
    FhirClient,
    FhirRefused,
    FhirUnavailable,
    refused,
    search_page,
)

CAPABILITY_TTL = 3600.0  # seconds a server's CapabilityStatement answer is trusted
RETRY_AFTER = 300.0  # seconds of GETs only, after a failed check or batch
MAX_SERVERS = 256  # base URLs remembered; the oldest answer goes first
CHECK_SHARE = 0.5  # of the time left, for the capability check
BATCH_INTERACTIONS = frozenset({"batch", "transaction"})


class BatchFailed(FhirUnavailable):
    """The batch got no usable answer; the same reads can still be made one by one."""


class Entry(NamedTuple):
    """One entry of a batch-response: its HTTP status and its resource (None when it has none)."""

    status: int
    resource: Any


class BatchSupport:
    """Which FHIR servers take batches, per base URL: bounded, with a time to live. Shared by all calls."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_servers: int = MAX_SERVERS) -> None:
        self._clock = clock
        self._max = max_servers
        self._known: dict[str, tuple[bool, float]] = {}  # base URL -> (takes batches, until)
        self._lock = threading.Lock()

    def fetch(self, client: FhirClient, paths: Sequence[str], deadline: Deadline) -> list[Entry] | None:
        """The batch-response entries for `paths` (relative read/search URLs), in their order; None when the
        server takes no batches. BatchFailed when the batch got no usable answer."""
        if not self.supported(client, deadline):
            return None
        try:
            return batch_entries(client.batch(batch_bundle(paths), deadline), len(paths))
        except FhirUnavailable as exc:
            if isinstance(exc, FhirRefused):  # it answered, but not with a batch-response: not again soon
                self._remember(client.base, False, RETRY_AFTER)
            raise BatchFailed(str(exc)) from None

    def supported(self, client: FhirClient, deadline: Deadline) -> bool:
        """Whether the server takes batches: remembered, or read from its CapabilityStatement now."""
        known = self._known.get(client.base)
        if known is not None and known[1] > self._clock():
            return known[0]
        try:
            answer, ttl = takes_batches(client.read("metadata", deadline.share(CHECK_SHARE))), CAPABILITY_TTL
        except FhirUnavailable:
            answer, ttl = False, RETRY_AFTER
        self._remember(client.base, answer, ttl)
        return answer

    def _remember(self, base: str, answer: bool, ttl: float) -> None:
        with self._lock:
            self._known.pop(base, None)
            if len(self._known) >= self._max:
                del self._known[next(iter(self._known))]  # the oldest answer
            self._known[base] = (answer, self._clock() + ttl)


def takes_batches(statement: Any) -> bool:
    """Whether a CapabilityStatement lists `batch` (or `transaction`) among a server's system interactions."""
    if not isinstance(statement, dict) or statement.get("resourceType") != "CapabilityStatement":
        return False
    rests = statement.get("rest")
    return isinstance(rests, list) and any(_rest_takes_batches(rest) for rest in rests)


def _rest_takes_batches(rest: Any) -> bool:
    if not isinstance(rest, dict) or rest.get("mode") != "server" or not isinstance(rest.get("interaction"), list):
        return False
    return any(isinstance(i, dict) and i.get("code") in BATCH_INTERACTIONS for i in rest["interaction"])


def batch_bundle(paths: Sequence[str]) -> dict[str, Any]:
    """A batch Bundle with one GET entry per relative URL, quoted as requests quotes a GET's URL (`|` as %7C)."""
    entries = [{"request": {"method": "GET", "url": requote_uri(path)}} for path in paths]
    return {"resourceType": "Bundle", "type": "batch", "entry": entries}


def batch_entries(answer: Any, count: int) -> list[Entry]:
    """The entries of a batch-response Bundle of `count` entries; FhirRefused when it is not one."""
    if not isinstance(answer, dict) or answer.get("resourceType") != "Bundle" or answer.get("type") != "batch-response":
        raise FhirRefused("the FHIR server's answer to the batch is not a batch-response Bundle")
    entries = answer.get("entry")
    if not isinstance(entries, list) or len(entries) != count:
        raise FhirRefused(f"the FHIR server's batch-response does not have the {count} entries asked for")
    return [_entry(entry) for entry in entries]


def _entry(entry: Any) -> Entry:
    response = entry.get("response") if isinstance(entry, dict) else None
    status = response.get("status") if isinstance(response, dict) else None
    code = status[:3] if isinstance(status, str) else ""
    if not (len(code) == 3 and code.isdigit() and code.isascii() and status[3:4] in ("", " ")):
        raise FhirRefused("an entry of the FHIR server's batch-response has no HTTP status")
    return Entry(int(code), entry.get("resource"))


def entry_resources(entry: Entry, search: bool) -> tuple[list[Any], str | None]:
    """What one batch entry gives: a read's resource, or a search page's resources and its next page's URL.

    FhirUnavailable as for the same GET: an error status, a read the server does not have (404/410),
    a search answer that is not a readable Bundle; also an entry without a resource.
    """
    if not search and entry.status in (404, 410):
        raise FhirUnavailable(NOT_FOUND)
    if entry.status != 200:
        raise refused(entry.status)
    if entry.resource is None:
        raise FhirUnavailable("the FHIR server's batch-response entry has no resource")
    if not search:
        return [entry.resource], None
    return search_page(entry.resource)
