"""Load mappings/ into a validated `Knowledge` (a bad file fails with file, entry and problem)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from cds_service.knowledge.codes import CodeSet, CodeSets, CodeSystem, CodeSystems
from cds_service.knowledge.model import (
    Category,
    ConditionStatus,
    ContextRule,
    Contraindication,
    FindingDefinition,
    IndicationStep,
    Knowledge,
    ObservationRule,
    OrderCodeMap,
    Policy,
    Procedure,
    Rating,
    Refinement,
    TextRule,
    Topic,
    UnitConversion,
    Variant,
)

TOPIC_FILE = "acr/cervical-pain-2024.yaml"
FILES = {
    "code-systems.yaml": "code-systems.schema.json",
    "procedures.yaml": "procedures.schema.json",
    TOPIC_FILE: "acr-topic.schema.json",
    "order-codes.yaml": "order-codes.schema.json",
    "findings.yaml": "findings.schema.json",
    "observations.yaml": "observations.schema.json",
    "contraindications.yaml": "contraindications.schema.json",
    "policy.yaml": "policy.schema.json",
}


class MappingError(ValueError):
    """A mappings file is invalid: names the file, the entry and the problem."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        self.file, self.entry, self.problem = file, entry, problem
        super().__init__(f"{file}: {entry or '(top level)'}: {problem}")


def default_mappings_dir() -> Path:
    """The mappings shipped with the package (wheel) or kept beside it (source checkout)."""
    packaged = Path(__file__).resolve().parent.parent / "_mappings"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "mappings"


def load_knowledge(directory: Path | str | None = None) -> Knowledge:
    """Read, schema-check and cross-check every mappings file; return the knowledge base."""
    root = Path(directory) if directory else default_mappings_dir()
    documents = {name: _read(root, name, schema) for name, schema in FILES.items()}
    return _Builder(documents).build()


def _read(root: Path, name: str, schema_name: str) -> Any:
    path = root / name
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(name, "", f"file not found in {root}") from None
    except yaml.YAMLError as exc:
        raise MappingError(name, "", f"not valid YAML: {exc}") from None
    validator = Draft202012Validator(_schema(root, schema_name), registry=_registry(root))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        raise MappingError(name, _path(error.absolute_path), error.message)
    return document


def _schema(root: Path, name: str) -> dict[str, Any]:
    return json.loads((root / "schema" / name).read_text(encoding="utf-8"))


def _registry(root: Path) -> Registry:
    resources = [
        (p.name, Resource.from_contents(json.loads(p.read_text(encoding="utf-8"))))
        for p in (root / "schema").glob("*.schema.json")
    ]
    return Registry().with_resources(resources)


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Builder:
    """Turns the schema-valid documents into model objects, checking cross-references."""

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self.docs = documents

    def build(self) -> Knowledge:
        self.systems = self._systems()
        categories = self._categories()
        self.procedures = self._procedures()
        topic_doc = self.docs[TOPIC_FILE]
        findings = self._findings()
        contraindications = self._contraindications()
        observations = self._observations(set(findings) | set(contraindications))
        status = self.docs["findings.yaml"]["condition_status"]
        variants = self._variants(categories)
        return Knowledge(
            topic=Topic(**topic_doc["topic"]),
            systems=self.systems,
            categories=categories,
            procedures=self.procedures,
            variants=variants,
            order_codes=self._order_codes(),
            condition_status=ConditionStatus(**{k: frozenset(v) for k, v in status.items()}),
            findings=findings,
            observation_statuses=frozenset(self.docs["observations.yaml"]["statuses"]),
            elevated_interpretations=frozenset(self.docs["observations.yaml"]["elevated_interpretations"]),
            observations=observations,
            contraindications=contraindications,
            policy=self._policy(variants, findings),
        )

    # -- code systems, categories, procedures ---------------------------------------------------
    def _systems(self) -> CodeSystems:
        systems = []
        for s in self.docs["code-systems.yaml"]["systems"]:
            systems.append(
                CodeSystem(
                    name=s["name"],
                    uri=s["uri"],
                    aliases=tuple(s.get("aliases", ())),
                    normalise_icd=s.get("normalise") == "icd",
                    order_specificity=s.get("order_specificity"),
                )
            )
        self._unique("code-systems.yaml", "systems", [s.name for s in systems])
        return CodeSystems(systems)

    def _categories(self) -> dict[str, Category]:
        entries = self.docs[TOPIC_FILE]["categories"]
        self._unique(TOPIC_FILE, "categories", [c["code"] for c in entries])
        return {c["code"]: Category(c["code"], c["name"], tuple(c["band"]), c["rank"], c["pama"]) for c in entries}

    def _procedures(self) -> dict[str, Procedure]:
        entries = self.docs["procedures.yaml"]["procedures"]
        self._unique("procedures.yaml", "procedures", [p["id"] for p in entries])
        self._unique("procedures.yaml", "procedures (name)", [p["name"] for p in entries])
        return {p["id"]: Procedure(**p) for p in entries}

    def _procedure_set(self, file: str, entry: str, ids: Iterable[str]) -> tuple[Procedure, ...]:
        result = []
        for pid in ids:
            if pid not in self.procedures:
                raise MappingError(file, entry, f"unknown procedure {pid!r} (not in procedures.yaml)")
            result.append(self.procedures[pid])
        return tuple(result)

    # -- the ACR tables -------------------------------------------------------------------------
    def _variants(self, categories: Mapping[str, Category]) -> dict[int, Variant]:
        entries = self.docs[TOPIC_FILE]["variants"]
        self._unique(TOPIC_FILE, "variants", [v["number"] for v in entries])
        variants = {}
        for i, v in enumerate(entries):
            ratings = []
            seen: set[str] = set()
            for j, row in enumerate(v["ratings"]):
                entry = f"variants[{i}].ratings[{j}]"
                if row["category"] not in categories:
                    raise MappingError(TOPIC_FILE, entry, f"unknown category {row['category']!r}")
                if row["procedure"] in seen:
                    raise MappingError(TOPIC_FILE, entry, f"procedure {row['procedure']!r} rated twice")
                seen.add(row["procedure"])
                (procedure,) = self._procedure_set(TOPIC_FILE, entry, [row["procedure"]])
                ratings.append(Rating(v["number"], procedure, categories[row["category"]], row["rrl"], j))
            variants[v["number"]] = Variant(v["number"], v["title"], v["short"], v["adult_only"], tuple(ratings))
        rated = {r.procedure.id for v in variants.values() for r in v.ratings}
        unrated = sorted(set(self.procedures) - rated)
        if unrated:
            raise MappingError("procedures.yaml", "procedures", f"never rated by any variant: {unrated}")
        return variants

    # -- code lists -----------------------------------------------------------------------------
    def _code_sets(self, file: str, entry: str, spec: Mapping[str, Any]) -> CodeSets:
        sets = []
        for name, value in spec.items():
            if name not in self.systems:
                raise MappingError(file, f"{entry}.{name}", f"unknown code system {name!r}")
            include, exclude = (value, []) if isinstance(value, list) else (value["include"], value.get("exclude", []))
            try:
                sets.append(CodeSet.build(self.systems[name], include, exclude))
            except ValueError as exc:
                raise MappingError(file, f"{entry}.{name}", str(exc)) from None
        return CodeSets(tuple(sets))

    def _order_codes(self) -> OrderCodeMap:
        file, doc = "order-codes.yaml", self.docs["order-codes.yaml"]
        direct: dict[tuple[str, str], tuple[Procedure, ...]] = {}
        for i, entry in enumerate(doc["codes"]):
            procedures = self._procedure_set(file, f"codes[{i}].procedures", entry["procedures"])
            for name, codes in entry.items():
                if name == "procedures":
                    continue
                if name not in self.systems:
                    raise MappingError(file, f"codes[{i}].{name}", f"unknown code system {name!r}")
                system = self.systems[name]
                for code in codes:
                    key = (system.uri, system.normalise(str(code)))
                    if key in direct:
                        raise MappingError(file, f"codes[{i}].{name}", f"code {code!r} is mapped twice")
                    direct[key] = procedures
        rules = []
        for i, rule in enumerate(doc["context_rules"]):
            where = f"context_rules[{i}]"
            codes = self._code_sets(file, f"{where}.codes", rule["codes"])
            for code_set in codes.by_system:
                clash = [c for c in code_set.exact if (code_set.system.uri, c) in direct]
                if clash:
                    raise MappingError(file, f"{where}.codes", f"codes {clash} are also in `codes`")
            refinements = tuple(
                Refinement(
                    procedures=self._procedure_set(file, f"{where}.refine[{j}]", r["procedures"]),
                    text=tuple(t.lower() for t in r.get("text", ())),
                    codes=self._code_sets(file, f"{where}.refine[{j}].codes", r.get("codes", {})),
                    sibling_codes=self._code_sets(
                        file, f"{where}.refine[{j}].sibling_codes", r.get("sibling_codes", {})
                    ),
                )
                for j, r in enumerate(rule["refine"])
            )
            default = self._procedure_set(file, f"{where}.default", rule["default"])
            rules.append(ContextRule(rule["name"], codes, default, refinements))
        text_rules = tuple(
            TextRule(
                self._procedure_set(file, f"text_rules[{i}]", r["procedures"]),
                tuple(tuple(t.lower() for t in group) for group in r["all_of"]),
            )
            for i, r in enumerate(doc["text_rules"])
        )
        suggested: dict[str, dict[str, str]] = {}
        for pid, codes in doc["suggested_codes"].items():
            self._procedure_set(file, f"suggested_codes.{pid}", [pid])
            for name, code in codes.items():
                if name not in self.systems:
                    raise MappingError(file, f"suggested_codes.{pid}.{name}", f"unknown code system {name!r}")
                suggested.setdefault(pid, {})[self.systems[name].uri] = code
        return OrderCodeMap(direct, tuple(rules), text_rules, suggested)

    # -- findings, observations, contraindications, policy ---------------------------------------
    def _findings(self) -> dict[str, FindingDefinition]:
        file, entries = "findings.yaml", self.docs["findings.yaml"]["findings"]
        self._unique(file, "findings", [f["id"] for f in entries])
        raw = {f["id"]: f for f in entries}
        findings = {}
        for i, f in enumerate(entries):
            where = f"findings[{i}]"
            source = f
            if "same_codes_as" in f:
                if f["same_codes_as"] not in raw or "same_codes_as" in raw[f["same_codes_as"]]:
                    raise MappingError(file, f"{where}.same_codes_as", f"no finding {f['same_codes_as']!r} with codes")
                source = raw[f["same_codes_as"]]
            if f["role"] == "out-of-scope" and "topic" not in f:
                raise MappingError(file, where, "an out-of-scope finding needs the `topic` it belongs to")
            if f["role"] == "prior-surgery" and "certainty" not in f:
                raise MappingError(file, where, "a prior-surgery finding needs its `certainty`")
            recent = f.get("recent", {})
            findings[f["id"]] = FindingDefinition(
                id=f["id"],
                label=f["label"],
                role=f["role"],
                counts=frozenset(f["counts"]),
                condition_codes=self._code_sets(file, f"{where}.conditions", source.get("conditions", {})),
                procedure_codes=self._code_sets(file, f"{where}.procedures", source.get("procedures", {})),
                topic=f.get("topic"),
                certainty=f.get("certainty"),
                initial_encounter=frozenset(recent.get("initial_encounter", ())),
                sequela=frozenset(recent.get("sequela", ())),
                recent_days=recent.get("recent_days"),
            )
        return findings

    def _observations(self, targets: set[str]) -> dict[str, ObservationRule]:
        file, entries = "observations.yaml", self.docs["observations.yaml"]["observations"]
        self._unique(file, "observations", [o["id"] for o in entries])
        self._unique(file, "observations (LOINC)", [code for o in entries for code in o["loinc"]])
        rules = {}
        for i, o in enumerate(entries):
            if o["finding"] not in targets:
                raise MappingError(file, f"observations[{i}].finding", f"unknown finding {o['finding']!r}")
            if o["unit"] not in o["units"]:
                raise MappingError(file, f"observations[{i}].units", f"canonical unit {o['unit']!r} missing")
            rules[o["id"]] = ObservationRule(
                id=o["id"],
                label=o["label"],
                loinc=frozenset(o["loinc"]),
                unit=o["unit"],
                units={u: UnitConversion(c["factor"], c.get("offset", 0.0)) for u, c in o["units"].items()},
                op=o["threshold"]["op"],
                threshold=float(o["threshold"]["value"]),
                finding=o["finding"],
                lookback_days=o["lookback_days"],
                flags_count=o.get("flags_count", True),
            )
        return rules

    def _contraindications(self) -> dict[str, Contraindication]:
        file, entries = "contraindications.yaml", self.docs["contraindications.yaml"]["contraindications"]
        self._unique(file, "contraindications", [c["id"] for c in entries])
        return {
            c["id"]: Contraindication(
                id=c["id"],
                label=c["label"],
                excludes=tuple(c["excludes"]),
                conditions=self._code_sets(file, f"contraindications[{i}].conditions", c.get("conditions", {})),
                device_codes=self._code_sets(file, f"contraindications[{i}].devices", c.get("devices", {})),
                device_text=tuple(t.lower() for t in c.get("device_text", ())),
                allergy_text=tuple(t.lower() for t in c.get("allergy_text", ())),
                allergy_text_unless=tuple(t.lower() for t in c.get("allergy_text_unless", ())),
            )
            for i, c in enumerate(entries)
        }

    def _policy(self, variants: Mapping[int, Variant], findings: Mapping[str, FindingDefinition]) -> Policy:
        file, doc = "policy.yaml", self.docs["policy.yaml"]

        def numbers(entry: str, values: list[int]) -> tuple[int, ...]:
            unknown = [n for n in values if n not in variants]
            if unknown:
                raise MappingError(file, entry, f"unknown variant(s) {unknown}")
            return tuple(values)

        steps = []
        for i, step in enumerate(doc["variants"]["indications"]):
            if findings.get(step["finding"]) is None or findings[step["finding"]].role != "indication":
                raise MappingError(
                    file, f"variants.indications[{i}].finding", f"{step['finding']!r} is not an indication"
                )
            where = f"variants.indications[{i}]"
            steps.append(
                IndicationStep(step["finding"], numbers(where, step["acute"]), numbers(where, step["chronic"]))
            )
        duration = doc["duration"]
        for i, fid in enumerate(duration["findings"]):
            if fid not in findings:
                raise MappingError(file, f"duration.findings[{i}]", f"unknown finding {fid!r}")
        if duration["acute_below_days"] > duration["chronic_from_days"]:
            raise MappingError(file, "duration", "acute_below_days must not exceed chronic_from_days")
        v = doc["variants"]
        return Policy(
            adult_age_years=doc["adult_age_years"],
            duration_findings=tuple(duration["findings"]),
            acute_below_days=duration["acute_below_days"],
            chronic_from_days=duration["chronic_from_days"],
            malignancy_variants=numbers("variants.malignancy", v["malignancy"]),
            infection_variants=numbers("variants.infection", v["infection"]),
            prior_surgery_variants=numbers("variants.prior_surgery", v["prior_surgery"]),
            indications=tuple(steps),
        )

    @staticmethod
    def _unique(file: str, entry: str, values: list[Any]) -> None:
        seen: set[Any] = set()
        for value in values:
            if value in seen:
                raise MappingError(file, entry, f"duplicate {value!r}")
            seen.add(value)
