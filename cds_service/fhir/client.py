"""A small FHIR REST client: bounded time and size, bearer token only to its own server, paging."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests
import urllib3

from cds_service.bounded_http import ReadError, has_dot_segment, read_body, send

FHIR_JSON = "application/fhir+json, application/json;q=0.9"


class FhirUnavailable(Exception):
    """The FHIR server could not give the data (timeout, error status, bad or oversized answer)."""


class FhirRefused(FhirUnavailable):
    """The FHIR server answered, but not with what was asked: an error status, or not JSON."""


NOT_FOUND = "the FHIR server does not have it (404)"  # a read answered 404 / 410, by a GET or in a batch


def refused(status: int) -> FhirRefused:
    """The error for an answer (a GET's, a batch's or a batch entry's) whose status is not 200."""
    return FhirRefused(f"the FHIR server answered HTTP {status}")


@dataclass
class Deadline:
    """The time left for all FHIR calls of one hook request."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def timeout(self, per_call: float) -> float:
        left = self.left()
        if left <= 0:
            raise FhirUnavailable("the time budget for FHIR calls ran out")
        return min(per_call, left)

    def left(self) -> float:
        return self.at - time.monotonic()

    def share(self, fraction: float) -> Deadline:
        """An earlier deadline: `fraction` of the time left (for a step that must leave time for the rest)."""
        return Deadline(time.monotonic() + max(0.0, self.left()) * fraction)


class FhirClient:
    """Talks to one FHIR base URL. Thread-safe for concurrent calls through one requests.Session."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        access_token: str | None,
        *,
        timeout: float,
        max_bytes: int,
        max_pages: int,
    ) -> None:
        self.session = session
        self.base = base_url.rstrip("/") + "/"
        self._origin = urlsplit(self.base)[:2]
        self._base_path = urlsplit(self.base).path
        self._headers = {"Accept": FHIR_JSON}
        if access_token:
            self._headers["Authorization"] = f"Bearer {access_token}"
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_pages = max_pages

    def read(self, path: str, deadline: Deadline) -> dict[str, Any] | None:
        """GET one resource (None if the server says 404/410)."""
        return self._get(self._resolve(path), deadline, missing_ok=True)

    def search(self, path: str, deadline: Deadline, pages_read: int = 0) -> list[Any]:
        """GET a search and every next page; the resources of every entry but `outcome` ones (`include`d too).

        `pages_read`: pages of this search already read elsewhere (a batch's first page), counted against the cap.
        """
        url: str | None = self._resolve(path)
        resources: list[Any] = []
        pages = pages_read
        while url:
            pages += 1
            if pages > self.max_pages:
                raise FhirUnavailable(f"more than {self.max_pages} pages of results; not all data could be read")
            found, url = search_page(self._get(url, deadline), first=pages == 1)
            resources += found
        return resources

    def batch(self, bundle: dict[str, Any], deadline: Deadline) -> Any:
        """POST a batch Bundle to the base URL; the answer's JSON (FhirUnavailable unless HTTP 200)."""
        status, body = self._exchange("POST", self.base.rstrip("/"), deadline, orjson.dumps(bundle))
        if status != 200:
            raise FhirRefused(f"the FHIR server answered the batch with HTTP {status}")
        return _json(body)

    def _resolve(self, path: str) -> str:
        """`path` (relative, or a `next` link) as a URL; FhirUnavailable when it is not a URL at all."""
        try:
            return urljoin(self.base, path)
        except ValueError:  # urlsplit refuses it, e.g. an unclosed IPv6 bracket: "http://[x/r4"
            raise FhirUnavailable("a link is not a valid URL; not followed") from None

    def _within_base(self, url: str) -> bool:
        """Whether `url` is on this server under its base path (a `next` link must not lead elsewhere)."""
        try:
            parts = urlsplit(url)
        except ValueError:  # not a URL: it leads nowhere we may go
            return False
        under = parts.path == self._base_path.rstrip("/") or parts.path.startswith(self._base_path)
        return parts[:2] == self._origin and under and not has_dot_segment(parts.path) and "\\" not in url

    def _get(self, url: str, deadline: Deadline, missing_ok: bool = False) -> Any:
        status, body = self._exchange("GET", url, deadline)
        if missing_ok and status in (404, 410):
            return None
        if status != 200:
            raise refused(status)
        return _json(body)

    def _exchange(self, method: str, url: str, deadline: Deadline, data: bytes | None = None) -> tuple[int, bytes]:
        """One call: its status, and its body when the status is 200 (read whole by the call's deadline)."""
        if not self._within_base(url):
            raise FhirUnavailable("a link points away from the FHIR server's base URL; not followed")
        headers = self._headers if data is None else {**self._headers, "Content-Type": "application/fhir+json"}
        timeout = deadline.timeout(self.timeout)
        call_deadline = time.monotonic() + timeout  # this call's answer, headers and body, by then
        try:
            response = send(self.session, method, url, headers, data, timeout)
        except requests.Timeout:
            raise FhirUnavailable("the FHIR server did not answer in time") from None
        except requests.RequestException as exc:
            raise FhirUnavailable(f"the FHIR server could not be reached ({type(exc).__name__})") from None
        except UnicodeError:  # http.client encodes headers as latin-1; the exception would quote the token
            raise FhirUnavailable("the FHIR call's headers could not be encoded (the access token)") from None
        except (ValueError, urllib3.exceptions.HTTPError) as exc:  # urllib3 refuses the URL (an IPv6 zone id...)
            raise FhirUnavailable(f"the FHIR server's URL cannot be used ({type(exc).__name__})") from None
        except Exception as exc:  # anything else (a CA bundle that is missing is an OSError): never a 500
            raise FhirUnavailable(f"the FHIR server could not be reached ({type(exc).__name__})") from None
        with response:
            if response.status_code != 200:
                return response.status_code, b""
            return 200, self._read_bounded(response, call_deadline)

    def _read_bounded(self, response: requests.Response, deadline: float) -> bytes:
        """The answer's body, read whole by `deadline` (a server dripping bytes is cut off) and size-capped."""
        try:
            return read_body(response, self.max_bytes, deadline)
        except ReadError as exc:
            raise FhirUnavailable(f"the FHIR server's answer was {exc}") from None


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except ValueError:
        raise FhirRefused("the FHIR server's answer is not JSON") from None


def search_page(bundle: Any, *, first: bool = True) -> tuple[list[Any], str | None]:
    """One page of search results: its resources and the next page's URL (FhirUnavailable unless a readable Bundle).
    `first`: the search's first page (a later page's `total` counts every page's matches)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirUnavailable("a search did not return a Bundle")
    try:
        return bundle_resources(bundle, first=first), next_link(bundle)
    except MalformedBundle as exc:
        raise FhirUnavailable(f"a search answer cannot be read: {exc}") from None


class MalformedBundle(ValueError):
    """A Bundle whose entries cannot be read as a list: its data is unknown, not absent."""


def bundle_resources(bundle: dict[str, Any], *, first: bool = True) -> list[Any]:
    """The resources of a searchset or collection Bundle, leaving out only `outcome` entries (a server's messages).

    `include`d entries and entries with an unknown search mode are kept: the chart reader checks whose they are,
    and leaving out a decisive one would decide as if it were absent. For the same reason an entry, or an entry's
    `resource`, that is not a JSON object is kept as it is (the chart reader reports it as unreadable), and so is an
    entry without a `resource` (a `fullUrl` alone: a search's match must carry its resource). MalformedBundle when
    `entry` is there but not a list, when an entry is an OperationOutcome of an error or of matches left out (the
    search did not finish: what it left out is unknown: `_failed`), an `outcome` entry that is no OperationOutcome, or
    a Bundle, or when the Bundle is a search's `first` page, its `total` counts more
    matches than it holds and it has no next page (a later page's total counts the matches of every page).
    """
    entries = bundle.get("entry")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise MalformedBundle("the Bundle's entry is not a list")
    found: list[Any] = []
    included = 0  # entries a search's `total` does not count
    for entry in entries:
        if not isinstance(entry, dict):
            found.append(entry)
            continue
        resource, mode = entry.get("resource"), _mode(entry)
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind == "OperationOutcome" and _failed(resource):
            raise MalformedBundle("an entry is an OperationOutcome of an error: the search is incomplete")
        if kind == "Bundle":
            raise MalformedBundle("an entry is itself a Bundle")
        if mode == "outcome":
            if kind != "OperationOutcome":
                raise MalformedBundle(
                    "an entry marked as the server's message (search mode outcome) is no OperationOutcome"
                )
            included += 1
        else:
            found.append(resource)
            included += mode == "include"
    total = _total(bundle.get("total")) if first else None
    if total is not None and total > len(entries) - included and next_link(bundle) is None:
        raise MalformedBundle(f"its total is {total} matches, it holds fewer and links to no next page")
    return found


def _total(total: Any) -> int | None:
    """A Bundle's `total` (None when absent); MalformedBundle when it is no count (JSON has one kind of number, so a
    2.0 is the count 2; "2", true or 1.5 say nothing of whether every match is there)."""
    if total is None or (type(total) is int and total >= 0):
        return total
    if type(total) is float and total.is_integer() and total >= 0:
        return int(total)
    raise MalformedBundle("its total is not a count: whether it holds every match cannot be told")


def _mode(entry: dict[str, Any]) -> Any:
    search = entry.get("search")
    return search.get("mode") if isinstance(search, dict) else None


# issue types of a warning or a note that say matches were left out ("some resources were suppressed", "search
# limited to 100 results"): the search is as incomplete as after an error (a thirty-third review)
LEFT_OUT = frozenset({"incomplete", "suppressed", "too-costly", "throttled", "timeout", "too-long"})


def _failed(outcome: dict[str, Any]) -> bool:
    """Whether an OperationOutcome has an error or fatal issue, an issue that says matches were left out (`LEFT_OUT`),
    or issues that cannot be read."""
    issues = outcome.get("issue")
    return not isinstance(issues, list) or any(
        not isinstance(i, dict) or i.get("severity") not in ("warning", "information") or i.get("code") in LEFT_OUT
        for i in issues
    )


def next_link(bundle: dict[str, Any]) -> str | None:
    """The Bundle's next page, if it has one; MalformedBundle when it says it has one that cannot be followed (a link
    not in a list, a `next` relation without a URL), or a link that cannot be read (not an object, a relation that is
    no string) may be to one."""
    links = bundle.get("link")
    if links is None:
        return None
    if not isinstance(links, list):
        raise MalformedBundle("the Bundle's link is not a list")
    for link in links:
        if not isinstance(link, dict) or type(link.get("relation")) is not str:
            raise MalformedBundle("a link of the Bundle cannot be read: it may be to the next page")
        if link["relation"].strip().lower() == "next":
            if not isinstance(link.get("url"), str) or not link["url"].strip():
                raise MalformedBundle("the Bundle links to a next page without its URL")
            return link["url"]
    return None
