"""Code systems, code normalisation and code patterns (exact, prefix, range, wildcard)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class CodeSystem:
    """A code system: its short name in mappings/, its FHIR URI and accepted aliases."""

    name: str
    uri: str
    aliases: tuple[str, ...] = ()
    normalise_icd: bool = False
    order_specificity: int | None = None
    format: str = ""  # regex a whole (normalised) code must match
    partial: str = ""  # regex a prefix, a range bound or a wildcard's fixed part must match (default: format)
    modifiers: str = ""  # regex of the modifier suffix a code may carry ("72141-26"), dropped before comparing

    def normalise(self, code: str) -> str:
        """Return the code in the form used for comparison (ICD: no dots, upper case; a modifier suffix dropped)."""
        code = code.strip()
        if self.normalise_icd:
            return code.replace(".", "").upper()
        if self._with_modifiers and (found := self._with_modifiers.fullmatch(code)):
            return found[1]
        return code

    @cached_property
    def _with_modifiers(self) -> re.Pattern[str] | None:
        """A whole code followed by a modifier suffix, the code in group 1."""
        return re.compile(f"({self.format})(?:{self.modifiers})") if self.modifiers else None

    def check_code(self, code: str, *, whole: bool = True) -> None:
        """Raise ValueError when a code (or a pattern's fixed part) does not look like this system's codes."""
        pattern = self.format if whole else (self.partial or self.format)
        if pattern and not re.fullmatch(pattern, code):
            kind = "code" if whole else "code pattern part"
            raise ValueError(f"{kind} {code!r} does not look like a {self.name} code ({pattern})")


class CodeSystems:
    """Lookup of code systems by short name and by any of their URIs."""

    def __init__(
        self, systems: Iterable[CodeSystem], lookalikes: Iterable[str] = (), lookalike_uris: Iterable[str] = ()
    ) -> None:
        self._by_name = {s.name: s for s in systems}
        self._by_uri = {_uri_key(uri): s for s in self._by_name.values() for uri in (s.uri, *s.aliases)}
        self._lookalikes = tuple(lookalikes)
        self._lookalike_uris = frozenset(lookalike_uris)

    def lookalike(self, uri: str | None) -> bool:
        """Whether a Coding.system is none of ours but may be one of ours written another way (no system at all, a
        URI holding a `lookalikes` fragment: ".../icd10cm", WHO ICD-10, or one of `lookalike_uris`: an OID)."""
        if not uri:
            return True
        if uri.strip() in self._lookalike_uris:
            return True
        return self.by_uri(uri) is None and any(fragment in uri.lower() for fragment in self._lookalikes)

    def misfit(self, uri: str | None, code: str) -> bool:
        """Whether a code is written under one of our systems but cannot be one of its codes ("174.9", ICD-9, under
        ICD-10-CM's URI; "C50.911" under SNOMED CT's)."""
        system = self.by_uri(uri)
        if system is None or not system.format:
            return False
        try:
            system.check_code(system.normalise(code))
        except ValueError:
            return True
        return False

    def __getitem__(self, name: str) -> CodeSystem:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def by_uri(self, uri: str | None) -> CodeSystem | None:
        """Return the system a Coding.system URI names, or None if unknown (its case, `https` for `http` and a slash
        at its end aside: "HTTP://WWW.AMA-ASSN.ORG/GO/CPT", "https://loinc.org", "http://snomed.info/sct/")."""
        return self._by_uri.get(_uri_key(uri)) if uri else None

    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)


def _uri_key(uri: str) -> str:
    """A system URI as it is looked up: lower-cased, `https` as `http`, no slash at its end."""
    key = uri.strip().lower().rstrip("/")
    return "http://" + key[len("https://") :] if key.startswith("https://") else key


@dataclass(frozen=True)
class CodePattern:
    """One entry of a code list: an exact code, a prefix (`M50.1*`), a range (`C00..C96`) or a wildcard."""

    source: str
    exact: str | None = None
    prefix: str | None = None
    low: str | None = None
    high: str | None = None
    regex: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str, system: CodeSystem) -> CodePattern:
        """Parse one code-list entry; ValueError when it is malformed or its codes do not fit the system."""
        if ".." in text:
            low, high = (system.normalise(part) for part in text.split("..", 1))
            if not low or len(low) != len(high) or low > high:
                raise ValueError(f"range {text!r} needs two codes of equal length, low first")
            system.check_code(low, whole=False)
            system.check_code(high, whole=False)
            return cls(text, low=low, high=high)
        if "?" in text or "*" in text[:-1]:
            normalised = system.normalise(text)
            system.check_code(normalised.replace("?", "").replace("*", ""), whole=False)
            wildcard = re.escape(normalised).replace(r"\?", ".").replace(r"\*", ".*")
            return cls(text, regex=re.compile(wildcard + r"\Z"))
        if text.endswith("*"):
            prefix = system.normalise(text[:-1])
            if not prefix:
                raise ValueError("a prefix pattern needs at least one character before '*'")
            system.check_code(prefix, whole=False)
            return cls(text, prefix=prefix)
        exact = system.normalise(text)
        system.check_code(exact)
        return cls(text, exact=exact)

    def matches(self, code: str) -> bool:
        """Whether an already-normalised code matches."""
        if self.exact is not None:
            return code == self.exact
        if self.prefix is not None:
            return code.startswith(self.prefix)
        if self.low is not None and self.high is not None:
            return self.low <= code[: len(self.low)] <= self.high
        return bool(self.regex and self.regex.match(code))


@dataclass(frozen=True)
class CodeSet:
    """Codes of one system: include patterns minus exclude patterns. Exact codes are looked up in O(1)."""

    system: CodeSystem
    exact: frozenset[str]
    patterns: tuple[CodePattern, ...]
    excludes: tuple[CodePattern, ...] = ()

    @classmethod
    def build(cls, system: CodeSystem, include: Iterable[str], exclude: Iterable[str] = ()) -> CodeSet:
        parsed = [CodePattern.parse(str(p), system) for p in include]
        exact = frozenset(p.exact for p in parsed if p.exact is not None)
        patterns = tuple(p for p in parsed if p.exact is None)
        return cls(system, exact, patterns, tuple(CodePattern.parse(str(p), system) for p in exclude))

    def contains(self, code: str) -> bool:
        """Whether a normalised code of this system belongs to the set."""
        if code not in self.exact and not any(p.matches(code) for p in self.patterns):
            return False
        return not any(p.matches(code) for p in self.excludes)


@dataclass(frozen=True)
class CodeSets:
    """Code sets across systems, keyed by system URI (what a FHIR Coding carries)."""

    by_system: tuple[CodeSet, ...]

    def match(self, systems: CodeSystems, system_uri: str | None, code: str | None) -> bool:
        """Whether a FHIR (system, code) pair belongs to one of the sets."""
        system = systems.by_uri(system_uri)
        if system is None or not code:
            return False
        normalised = system.normalise(code)
        return any(s.contains(normalised) for s in self.by_system if s.system is system)

    def __bool__(self) -> bool:
        return bool(self.by_system)


EMPTY_CODE_SETS = CodeSets(())
