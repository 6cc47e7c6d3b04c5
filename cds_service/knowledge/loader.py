"""Load mappings/ into a validated `Knowledge` (a bad file fails with file, line, entry and problem)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from cds_service.knowledge.codes import CodeSet, CodeSets, CodeSystem, CodeSystems
from cds_service.knowledge.lexicon_loader import build_lexicon
from cds_service.knowledge.model import (
    READ_CONTEXTS,
    Category,
    Context,
    ContextRule,
    Contraindication,
    ContrastWords,
    Effect,
    FiltrationEstimate,
    FindingDefinition,
    IndicationStep,
    Knowledge,
    LongTermMedicines,
    NoteRequest,
    ObservationRule,
    OrderCodeMap,
    Policy,
    Procedure,
    Rating,
    Recency,
    Refinement,
    Regions,
    Role,
    StatusElement,
    SuggestedCoding,
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
    "statuses.yaml": "statuses.schema.json",
    "findings.yaml": "findings.schema.json",
    "observations.yaml": "observations.schema.json",
    "contraindications.yaml": "contraindications.schema.json",
    "policy.yaml": "policy.schema.json",
    "lexicon.yaml": "lexicon.schema.json",
}


class MappingError(ValueError):
    """A mappings file is invalid: names the file, the line, the entry (by id where it has one) and the problem."""

    def __init__(self, file: str, entry: str, problem: str, line: int | None = None) -> None:
        self.file, self.entry, self.problem, self.line = file, entry, problem, line
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {entry or '(top level)'}: {problem}")


class _Document:
    """A parsed mappings file with its YAML node tree, to name entries by id and line in errors."""

    def __init__(self, name: str, data: Any, node: yaml.Node | None) -> None:
        self.name, self.data, self.node = name, data, node

    def error(self, path: Sequence[Any], problem: str) -> MappingError:
        return MappingError(self.name, self.entry(path), problem, self.line(path))

    def entry(self, path: Sequence[Any]) -> str:
        """`findings[3] (neck-pain).conditions.icd10cm`: the path, with the id of each list item that has one."""
        text, data = "", self.data
        for part in path:
            if isinstance(part, int):
                text += f"[{part}]"
                data = data[part] if isinstance(data, list) and part < len(data) else None
                if isinstance(data, dict) and isinstance(data.get("id"), str | int):
                    text += f" ({data['id']})"
            else:
                text += f".{part}" if text else str(part)
                data = data.get(part) if isinstance(data, dict) else None
        return text

    def line(self, path: Sequence[Any]) -> int | None:
        node, line = self.node, None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                break
            if node is None:
                break
            line = node.start_mark.line + 1
        return line if line is not None else (self.node.start_mark.line + 1 if self.node else None)


def default_mappings_dir() -> Path:
    """The mappings shipped with the package (wheel) or kept beside it (source checkout)."""
    packaged = Path(__file__).resolve().parent.parent / "_mappings"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "mappings"


def load_knowledge(directory: Path | str | None = None) -> Knowledge:
    """Read, schema-check and cross-check every mappings file; return the knowledge base."""
    root = Path(directory) if directory else default_mappings_dir()
    documents = {name: _read(root, name, schema) for name, schema in FILES.items()}
    return _Builder(documents, root).build()


def _no_key_written_twice(name: str, node: yaml.Node | None) -> None:
    """YAML keeps the last of two equal keys of a mapping and drops the first without a word (a second `patterns:` of
    a term hid the first): refused."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise MappingError(name, "", f"key {key.value!r} written twice", key.start_mark.line + 1)
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _read(root: Path, name: str, schema_name: str) -> _Document:
    path = root / name
    try:
        text = path.read_text(encoding="utf-8")
        data, node = yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except FileNotFoundError:
        raise MappingError(name, "", f"file not found in {root}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise MappingError(name, "", f"not valid YAML: {exc}", mark.line + 1 if mark else None) from None
    _no_key_written_twice(name, node)
    document = _Document(name, data, node)
    validator = Draft202012Validator(_schema(root, schema_name), registry=_registry(root))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise document.error(list(errors[0].absolute_path), errors[0].message)
    return document


def _schema(root: Path, name: str) -> dict[str, Any]:
    return json.loads((root / "schema" / name).read_text(encoding="utf-8"))


def _registry(root: Path) -> Registry:
    resources = [
        (p.name, Resource.from_contents(json.loads(p.read_text(encoding="utf-8"))))
        for p in (root / "schema").glob("*.schema.json")
    ]
    return Registry().with_resources(resources)


class _Builder:
    """Turns the schema-valid documents into model objects, checking cross-references."""

    def __init__(self, documents: Mapping[str, _Document], root: Path) -> None:
        self.docs = documents
        self.root = root
        self._files: dict[str, list[tuple[int, list[str]]]] = {}

    def data(self, name: str) -> Any:
        return self.docs[name].data

    def build(self) -> Knowledge:
        self.systems = self._systems()
        categories = self._categories()
        self.procedures = self._procedures()
        variants = self._variants(categories)
        self.policy_doc = self.docs["policy.yaml"]
        findings = self._findings()
        contraindications = self._contraindications()
        self._no_shared_ids(findings, contraindications)
        concepts = {**findings, **contraindications}
        policy = self._policy(variants, findings)
        observations = self._observations(set(concepts))
        lexicon_doc = self.docs["lexicon.yaml"]
        try:
            units = {rule.id: set(rule.units) for rule in observations.values()}
            lexicon = build_lexicon(lexicon_doc.data, set(concepts), units)
        except ValueError as exc:
            path, problem = exc.args if len(exc.args) == 2 else ([], str(exc))
            raise lexicon_doc.error(path, problem) from None
        return Knowledge(
            topic=Topic(**self.data(TOPIC_FILE)["topic"]),
            systems=self.systems,
            categories=categories,
            procedures=self.procedures,
            variants=variants,
            order_codes=self._order_codes(),
            statuses=self._statuses(),
            findings=findings,
            elevated_interpretations=frozenset(self.data("observations.yaml")["elevated_interpretations"]),
            elevated_interpretation_words=frozenset(
                w.lower() for w in self.data("observations.yaml").get("elevated_interpretation_words", ())
            ),
            low_interpretations=frozenset(self.data("observations.yaml").get("low_interpretations", ())),
            low_interpretation_words=frozenset(
                w.lower() for w in self.data("observations.yaml").get("low_interpretation_words", ())
            ),
            normal_interpretations=frozenset(self.data("observations.yaml").get("normal_interpretations", ())),
            normal_interpretation_words=frozenset(
                w.lower() for w in self.data("observations.yaml").get("normal_interpretation_words", ())
            ),
            observations=observations,
            contraindications=contraindications,
            policy=policy,
            lexicon=lexicon,
            no_known_allergy=self._no_known_allergy(),
        )

    # -- code systems, categories, procedures ---------------------------------------------------
    def _systems(self) -> CodeSystems:
        doc = self.docs["code-systems.yaml"]
        systems = [
            CodeSystem(
                name=s["name"],
                uri=s["uri"],
                aliases=tuple(s.get("aliases", ())),
                normalise_icd=s.get("normalise") == "icd",
                order_specificity=s.get("order_specificity"),
                format=s["format"],
                partial=s.get("partial", ""),
                modifiers=s.get("modifiers", ""),
            )
            for s in doc.data["systems"]
        ]
        self._unique(doc, ["systems"], [s.name for s in systems])
        return CodeSystems(systems, doc.data.get("lookalikes", ()), doc.data.get("lookalike_uris", ()))

    def _categories(self) -> dict[str, Category]:
        doc = self.docs[TOPIC_FILE]
        entries = doc.data["categories"]
        self._unique(doc, ["categories"], [c["code"] for c in entries])
        return {c["code"]: Category(c["code"], c["name"], tuple(c["band"]), c["rank"], c["pama"]) for c in entries}

    def _procedures(self) -> dict[str, Procedure]:
        doc = self.docs["procedures.yaml"]
        entries = doc.data["procedures"]
        self._unique(doc, ["procedures"], [p["id"] for p in entries])
        self._unique(doc, ["procedures"], [p["name"] for p in entries])
        return {
            p["id"]: Procedure(**{**p, "modalities": tuple(p["modalities"]), "contrast": frozenset(p["contrast"])})
            for p in entries
        }

    def _procedure_set(self, doc: _Document, path: list[Any], ids: Iterable[str]) -> tuple[Procedure, ...]:
        result = []
        for pid in ids:
            if pid not in self.procedures:
                raise doc.error(path, f"unknown procedure {pid!r} (not in procedures.yaml)")
            result.append(self.procedures[pid])
        return tuple(result)

    # -- the ACR tables -------------------------------------------------------------------------
    def _variants(self, categories: Mapping[str, Category]) -> dict[int, Variant]:
        doc = self.docs[TOPIC_FILE]
        entries = doc.data["variants"]
        self._unique(doc, ["variants"], [v["number"] for v in entries])
        doses = {level["level"]: level["adult_dose"] for level in doc.data["relative_radiation_levels"]}
        variants = {}
        for i, v in enumerate(entries):
            ratings = []
            seen: set[str] = set()
            for j, row in enumerate(v["ratings"]):
                path = ["variants", i, "ratings", j]
                if row["category"] not in categories:
                    raise doc.error(path, f"unknown category {row['category']!r}")
                if row["procedure"] in seen:
                    raise doc.error(path, f"procedure {row['procedure']!r} rated twice")
                if row["rrl"] not in doses:
                    raise doc.error(path, f"relative radiation level {row['rrl']} is not in relative_radiation_levels")
                seen.add(row["procedure"])
                (procedure,) = self._procedure_set(doc, path, [row["procedure"]])
                category = categories[row["category"]]
                ratings.append(Rating(v["number"], procedure, category, row["rrl"], j, doses[row["rrl"]]))
            variants[v["number"]] = Variant(v["number"], v["title"], v["short"], v["adult_only"], tuple(ratings))
        rated = {r.procedure.id for v in variants.values() for r in v.ratings}
        unrated = sorted(set(self.procedures) - rated)
        if unrated:
            raise self.docs["procedures.yaml"].error(["procedures"], f"never rated by any variant: {unrated}")
        return variants

    # -- code lists -----------------------------------------------------------------------------
    def _code_sets(self, doc: _Document, path: list[Any], spec: Mapping[str, Any]) -> CodeSets:
        sets = []
        for name, value in spec.items():
            if name not in self.systems:
                raise doc.error([*path, name], f"unknown code system {name!r}")
            if isinstance(value, list):
                value = {"include": value}
            include = list(value.get("include", ()))
            for file in value.get("files", ()):
                include += self._code_file(file, self.systems[name])
            try:
                sets.append(CodeSet.build(self.systems[name], include, value.get("exclude", [])))
            except ValueError as exc:
                raise doc.error([*path, name], str(exc)) from None
        return CodeSets(tuple(sets))

    def _code_file(self, name: str, system: CodeSystem) -> list[str]:
        """The codes of a code list file (TSV: code, display, source; one header line), each format-checked."""
        if name not in self._files:
            try:
                text = (self.root / name).read_text(encoding="utf-8")
            except FileNotFoundError:
                raise MappingError(name, "", f"code list file not found in {self.root}") from None
            rows = [line.split("\t") for line in text.splitlines()]
            if not rows or rows[0][:3] != ["code", "display", "source"]:
                raise MappingError(name, "line 1", "the header must be: code, display, source (tab-separated)", 1)
            self._files[name] = [(n, row) for n, row in enumerate(rows[1:], start=2) if any(row)]
        codes = []
        for line, row in self._files[name]:
            if len(row) != 3 or not all(cell.strip() for cell in row):
                problem = "needs three tab-separated values: code, display, source"
                raise MappingError(name, f"line {line}", problem, line)
            try:
                system.check_code(system.normalise(row[0]))
            except ValueError as exc:
                raise MappingError(name, f"line {line}", str(exc), line) from None
            codes.append(row[0])
        return codes

    def _order_codes(self) -> OrderCodeMap:
        doc = self.docs["order-codes.yaml"]
        direct = self._direct_codes(doc)
        rules = []
        for i, rule in enumerate(doc.data["context_rules"]):
            path = ["context_rules", i]
            codes = self._code_sets(doc, [*path, "codes"], rule["codes"])
            for code_set in codes.by_system:
                clash = [c for c in code_set.exact if (code_set.system.uri, c) in direct]
                if clash:
                    raise doc.error([*path, "codes"], f"codes {clash} are also in `codes`")
            refinements = tuple(
                Refinement(
                    procedures=self._procedure_set(doc, [*path, "refine", j], r["procedures"]),
                    text=tuple(t.lower() for t in r.get("text", ())),
                    text_unless=tuple(t.lower() for t in r.get("text_unless", ())),
                    codes=self._code_sets(doc, [*path, "refine", j, "codes"], r.get("codes", {})),
                    sibling_codes=self._code_sets(
                        doc, [*path, "refine", j, "sibling_codes"], r.get("sibling_codes", {})
                    ),
                )
                for j, r in enumerate(rule["refine"])
            )
            default = self._procedure_set(doc, [*path, "default"], rule["default"])
            rules.append(ContextRule(rule["name"], codes, default, refinements))
        text_rules = tuple(
            TextRule(
                self._procedure_set(doc, ["text_rules", i], r["procedures"]),
                tuple(tuple(t.lower() for t in group) for group in r["all_of"]),
            )
            for i, r in enumerate(doc.data["text_rules"])
        )
        doubts = tuple(t.lower() for t in doc.data["refinement_doubts"])
        return OrderCodeMap(direct, tuple(rules), text_rules, self._regions(doc), self._suggested(doc), doubts)

    def _direct_codes(self, doc: _Document) -> dict[tuple[str, str], tuple[Procedure, ...]]:
        direct: dict[tuple[str, str], tuple[Procedure, ...]] = {}
        for i, entry in enumerate(doc.data["codes"]):
            procedures = self._procedure_set(doc, ["codes", i, "procedures"], entry["procedures"])
            for name, codes in entry.items():
                if name == "procedures":
                    continue
                if name not in self.systems:
                    raise doc.error(["codes", i, name], f"unknown code system {name!r}")
                system = self.systems[name]
                for code in codes:
                    key = (system.uri, system.normalise(str(code)))
                    try:
                        system.check_code(key[1])
                    except ValueError as exc:
                        raise doc.error(["codes", i, name], str(exc)) from None
                    if key in direct:
                        raise doc.error(["codes", i, name], f"code {code!r} is mapped twice")
                    direct[key] = procedures
        return direct

    def _regions(self, doc: _Document) -> Regions:
        r = doc.data["regions"]
        return Regions(
            cervical_text=tuple(t.lower() for t in r["cervical_text"]),
            other_text=tuple(t.lower() for t in r["other_text"]),
            other_studies=tuple(t.lower() for t in r["other_studies"]),
            neutral_text=tuple(t.lower() for t in r["neutral_text"]),
            modality_text={m: tuple(t.lower() for t in words) for m, words in r["modality_text"].items()},
            other_codes=self._code_sets(doc, ["regions", "other_codes"], r["other_codes"]),
            level_less_codes=self._code_sets(doc, ["regions", "level_less_codes"], r["level_less_codes"]),
            cervical_sibling_codes=self._code_sets(
                doc, ["regions", "cervical_sibling_codes"], r["cervical_sibling_codes"]
            ),
            cervical_site_codes=self._code_sets(doc, ["regions", "cervical_site_codes"], r["cervical_site_codes"]),
            neck_site_text=tuple(t.lower() for t in r["neck_site_text"]),
            site_qualifier_text=tuple(t.lower() for t in r["site_qualifier_text"]),
            other_levels=tuple(
                self._pattern(doc, ["regions", "other_levels", i], t) for i, t in enumerate(r["other_levels"])
            ),
            region_text={region: tuple(t.lower() for t in words) for region, words in r["region_text"].items()},
            neck_alone_text=tuple(t.lower() for t in r["neck_alone_text"]),
            note_request=NoteRequest(**{k: tuple(t.lower() for t in v) for k, v in r["note_request"].items()}),
            contrast=self._contrast_words(r["contrast_words"]),
        )

    @staticmethod
    def _pattern(doc: _Document, path: list[Any], text: str) -> re.Pattern[str]:
        try:
            return re.compile(text)
        except re.error as exc:
            raise doc.error(path, f"not a regular expression: {exc}") from None

    @staticmethod
    def _contrast_words(c: dict[str, Any]) -> ContrastWords:
        def lower(words: list[str]) -> tuple[str, ...]:
            return tuple(w.lower() for w in words)

        return ContrastWords(
            with_words=lower(c["with"]),
            without_words=lower(c["without"]),
            negations=lower(c["negations"]),
            agents=lower(c["agents"]),
            joins=lower(c["joins"]),
            both=lower(c["both"]),
            without_alone=lower(c["without_alone"]),
            with_alone=lower(c["with_alone"]),
            answers={kind: lower(words) for kind, words in c["answers"].items()},
            refused=lower(c["refused"]),
            routes={route: lower(words) for route, words in c["routes"].items()},
            neutral=lower(c["neutral"]),
            named_agents={kind: lower(words) for kind, words in c["named_agents"].items()},
        )

    def _suggested(self, doc: _Document) -> dict[str, dict[str, SuggestedCoding]]:
        suggested: dict[str, dict[str, SuggestedCoding]] = {}
        for pid, codes in doc.data["suggested_codes"].items():
            self._procedure_set(doc, ["suggested_codes", pid], [pid])
            for name, (code, display) in codes.items():
                if name not in self.systems:
                    raise doc.error(["suggested_codes", pid, name], f"unknown code system {name!r}")
                system = self.systems[name]
                try:
                    system.check_code(system.normalise(code))
                except ValueError as exc:
                    raise doc.error(["suggested_codes", pid, name], str(exc)) from None
                suggested.setdefault(pid, {})[system.uri] = SuggestedCoding(system.uri, code, display)
        return suggested

    # -- statuses, findings, observations, contraindications, policy -----------------------------
    def _statuses(self) -> dict[str, tuple[StatusElement, ...]]:
        return {
            kind: tuple(
                StatusElement(
                    element=element,
                    system=spec.get("system"),
                    absent=Context(spec["absent"]),
                    codes={code: Context(context) for code, context in spec["codes"].items()},
                )
                for element, spec in elements.items()
            )
            for kind, elements in self.data("statuses.yaml").items()
        }

    def _effects(self, doc: _Document, path: list[Any], role: Role, overrides: Mapping[str, str]) -> dict:
        """The role's default effects (policy.yaml `evidence`) with this concept's overrides, checked."""
        defaults = self.policy_doc.data["evidence"][role.value]
        effects = {Context(c): Effect(overrides.get(c, defaults[c])) for c in (c.value for c in READ_CONTEXTS)}
        if role.can_enable_warning and effects[Context.UNKNOWN] is Effect.FINDING:
            raise doc.error(
                [*path, "effects"],
                "evidence whose status cannot be read must not count as a finding of a role that can lead to a "
                "warning (block or widen instead)",
            )
        if not role.can_enable_warning and Effect.WIDEN in effects.values():
            raise doc.error([*path, "effects"], f"`widen` only applies to roles that choose variants, not {role}")
        return effects

    def _findings(self) -> dict[str, FindingDefinition]:
        doc = self.docs["findings.yaml"]
        entries = doc.data["findings"]
        self._unique(doc, ["findings"], [f["id"] for f in entries])
        findings = {}
        for i, f in enumerate(entries):
            path = ["findings", i]
            role = Role(f["role"])
            if role is Role.OUT_OF_SCOPE and "topic" not in f:
                raise doc.error(path, "an out-of-scope finding needs the `topic` it belongs to")
            recent = f.get("recent")
            effects = self._effects(doc, path, role, f.get("effects", {}))
            findings[f["id"]] = FindingDefinition(
                id=f["id"],
                label=f["label"],
                role=role,
                effects=effects,
                condition_codes=self._code_sets(doc, [*path, "conditions"], f.get("conditions", {})),
                procedure_codes=self._code_sets(doc, [*path, "procedures"], f.get("procedures", {})),
                topic=f.get("topic"),
                recency=Recency(
                    frozenset(recent["initial_encounter"]), frozenset(recent["sequela"]), recent["recent_days"]
                )
                if recent
                else None,
                representative=self._coding(doc, [*path, "representative"], f.get("representative")),
                medicines=self._medicines(doc, path, role, effects, f.get("medicines")),
                doubts=f.get("doubts"),
                long_term=self._long_term(doc, path, role, effects, f.get("long_term_medicines")),
            )
        for i, f in enumerate(entries):
            doubted = findings.get(f.get("doubts", f["id"]))
            if doubted is None or doubted.role is not findings[f["id"]].role:
                raise doc.error(["findings", i, "doubts"], f"{f['doubts']!r} is no finding of the same role")
        return findings

    def _medicines(
        self, doc: _Document, path: list[Any], role: Role, effects: Mapping[Context, Effect], reading: str | None
    ) -> Context | None:
        """How a finding is read in medicines (None: not at all). A medicine must never lead to a warning: a role that
        can lead to one is read at most `uncertain` (words and statuses only add doubt), and only if uncertain and
        unknown evidence of it blocks or is ignored."""
        if reading is None:
            return None
        most = Context(reading)
        if role.can_enable_warning and (
            most is not Context.UNCERTAIN
            or any(effects[c] in (Effect.FINDING, Effect.WIDEN) for c in (Context.UNCERTAIN, Context.UNKNOWN))
        ):
            raise doc.error([*path, "medicines"], f"a medicine must not lead to a warning ({role} read as {most})")
        return most

    def _long_term(
        self,
        doc: _Document,
        path: list[Any],
        role: Role,
        effects: Mapping[Context, Effect],
        spec: Mapping[str, Any] | None,
    ) -> LongTermMedicines | None:
        """A finding's `long_term_medicines` (a systemic steroid taken for weeks: immunosuppression), read uncertain:
        refused, as `medicines` is, where that could lead to a warning."""
        if spec is None:
            return None
        if role.can_enable_warning and effects[Context.UNCERTAIN] in (Effect.FINDING, Effect.WIDEN):
            raise doc.error(
                [*path, "long_term_medicines"], f"a medicine must not lead to a warning ({role} read uncertain)"
            )
        overlap = set(w.lower() for w in spec["names"]) & set(w.lower() for w in spec["short_course"])
        if overlap:
            raise doc.error([*path, "long_term_medicines"], f"a name that is also a short course: {sorted(overlap)}")
        return LongTermMedicines(
            days=spec["days"],
            names=tuple(w.lower() for w in spec["names"]),
            not_systemic=tuple(w.lower() for w in spec["not_systemic"]),
            short_course=tuple(w.lower() for w in spec["short_course"]),
        )

    def _coding(self, doc: _Document, path: list[Any], spec: Mapping[str, str] | None) -> SuggestedCoding | None:
        if spec is None:
            return None
        if spec["system"] not in self.systems:
            raise doc.error([*path, "system"], f"unknown code system {spec['system']!r}")
        system = self.systems[spec["system"]]
        try:
            system.check_code(system.normalise(spec["code"]))
        except ValueError as exc:
            raise doc.error([*path, "code"], str(exc)) from None
        return SuggestedCoding(system.uri, spec["code"], spec["display"])

    def _observations(self, targets: set[str]) -> dict[str, ObservationRule]:
        doc = self.docs["observations.yaml"]
        entries = doc.data["observations"]
        self._unique(doc, ["observations"], [o["id"] for o in entries])
        self._unique(doc, ["observations"], [code for o in entries for code in o["loinc"]])
        rules = {}
        for i, o in enumerate(entries):
            if o["concept"] not in targets:
                raise doc.error(["observations", i, "concept"], f"unknown concept {o['concept']!r}")
            if o["unit"] not in o["units"]:
                raise doc.error(["observations", i, "units"], f"canonical unit {o['unit']!r} missing")
            plausible = o.get("plausible")
            if plausible is not None and not plausible["low"] < o["threshold"]["value"] < plausible["high"]:
                raise doc.error(["observations", i, "plausible"], "the threshold must lie inside the plausible values")
            rules[o["id"]] = ObservationRule(
                id=o["id"],
                label=o["label"],
                loinc=frozenset(o["loinc"]),
                unit=o["unit"],
                units={u: UnitConversion(c["factor"], c.get("offset", 0.0)) for u, c in o["units"].items()},
                op=o["threshold"]["op"],
                threshold=float(o["threshold"]["value"]),
                concept=o["concept"],
                lookback_days=o["lookback_days"],
                flags_count=o.get("flags_count", True),
                low_flags_count=o.get("low_flags_count", False),
                lab_limit_counts=o.get("lab_limit_counts", True),
                plausible=(float(plausible["low"]), float(plausible["high"])) if plausible else None,
                names=tuple(o.get("names", ())),
                names_unless=tuple(o.get("names_unless", ())),
                estimate=_estimate(o["estimate"]) if "estimate" in o else None,
            )
        return rules

    def _contraindications(self) -> dict[str, Contraindication]:
        doc = self.docs["contraindications.yaml"]
        entries = doc.data["contraindications"]
        self._unique(doc, ["contraindications"], [c["id"] for c in entries])
        result = {}
        for i, c in enumerate(entries):
            path = ["contraindications", i]
            result[c["id"]] = Contraindication(
                id=c["id"],
                label=c["label"],
                role=Role.CONTRAINDICATION,
                effects=self._effects(doc, path, Role.CONTRAINDICATION, c.get("effects", {})),
                condition_codes=self._code_sets(doc, [*path, "conditions"], c.get("conditions", {})),
                procedure_codes=self._code_sets(doc, [*path, "procedures"], c.get("procedures", {})),
                excludes=tuple(c["excludes"]),
                device_codes=self._code_sets(doc, [*path, "devices"], c.get("devices", {})),
                allergy_codes=self._code_sets(doc, [*path, "allergies"], c.get("allergies", {})),
                device_text=tuple(t.lower() for t in c.get("device_text", ())),
                device_text_unless=tuple(t.lower() for t in c.get("device_text_unless", ())),
                allergy_text=tuple(t.lower() for t in c.get("allergy_text", ())),
                allergy_text_unless=tuple(t.lower() for t in c.get("allergy_text_unless", ())),
                agent_named_with=frozenset(t.lower() for t in c.get("agent_named_with", ())),
            )
        return {cid: _unless_agents_named(c, result.values()) for cid, c in result.items()}

    def _no_known_allergy(self) -> CodeSets:
        """The AllergyIntolerance codes that record no allergy (contraindications.yaml `no_known_allergy`)."""
        doc = self.docs["contraindications.yaml"]
        spec = doc.data.get("no_known_allergy", {}).get("allergies", {})
        return self._code_sets(doc, ["no_known_allergy", "allergies"], spec)

    def _no_shared_ids(self, findings: Mapping[str, Any], contraindications: Mapping[str, Any]) -> None:
        shared = sorted(set(findings) & set(contraindications))
        if shared:
            raise self.docs["contraindications.yaml"].error(
                ["contraindications"], f"ids {shared} are also finding ids (findings.yaml)"
            )

    def _policy(self, variants: Mapping[int, Variant], findings: Mapping[str, FindingDefinition]) -> Policy:
        doc = self.policy_doc
        data = doc.data

        def numbers(path: list[Any], values: list[int]) -> tuple[int, ...]:
            unknown = [n for n in values if n not in variants]
            if unknown:
                raise doc.error(path, f"unknown variant(s) {unknown}")
            return tuple(values)

        def finding(path: list[Any], fid: str, role: Role | None = None) -> str:
            if fid not in findings:
                raise doc.error(path, f"unknown finding {fid!r} (not in findings.yaml)")
            if role is not None and findings[fid].role is not role:
                raise doc.error(path, f"{fid!r} is a {findings[fid].role} finding, not {role}")
            return fid

        steps = []
        for i, step in enumerate(data["variants"]["indications"]):
            path = ["variants", "indications", i]
            finding([*path, "finding"], step["finding"], Role.INDICATION)
            steps.append(IndicationStep(step["finding"], numbers(path, step["acute"]), numbers(path, step["chronic"])))
        duration = data["duration"]
        for i, fid in enumerate(duration["findings"]):
            finding(["duration", "findings", i], fid, Role.INDICATION)
        if duration["acute_below_days"] > duration["chronic_from_days"]:
            raise doc.error(["duration"], "acute_below_days must not exceed chronic_from_days")
        age_finding = finding(["age_finding"], data["age_finding"], Role.OUT_OF_SCOPE)
        children = [v.number for v in variants.values() if not v.adult_only]
        if children:
            raise doc.error(
                ["age_finding"],
                f"variants {children} are not adult-only, but age_finding puts every child out of scope",
            )
        infection = tuple(
            finding(["suspected_infection", "all_of", i], fid)
            for i, fid in enumerate(data["suspected_infection"]["all_of"])
        )
        v = data["variants"]
        return Policy(
            adult_age_years=data["adult_age_years"],
            age_finding=age_finding,
            duration_findings=tuple(duration["findings"]),
            acute_below_days=duration["acute_below_days"],
            chronic_from_days=duration["chronic_from_days"],
            chronic_codes=self._code_sets(doc, ["duration", "chronic_codes"], duration["chronic_codes"]),
            suspected_infection=infection,
            suspected_infection_days=data["suspected_infection"]["within_days"],
            stopped_medicine_days=data["stopped_medicine_days"],
            recent_history_days=self._days_by_role(doc, "recent_history_days", data["recent_history_days"]),
            dated_stated_days=self._dated_stated_days(doc, data["dated_stated_days"], findings),
            malignancy_variants=numbers(["variants", "malignancy"], v["malignancy"]),
            infection_variants=numbers(["variants", "infection"], v["infection"]),
            prior_surgery_variants=numbers(["variants", "prior_surgery"], v["prior_surgery"]),
            indications=tuple(steps),
        )

    def _days_by_role(self, doc: _Document, key: str, days: Mapping[str, int]) -> dict[Role, int]:
        """Per role; only roles that ignore a history, where reading a mention as uncertain can only stop a warning."""
        found = {}
        for name, value in days.items():
            try:
                role = Role(name)
            except ValueError:
                raise doc.error([key, name], f"unknown role {name!r}") from None
            self._ignoring_history(doc, [key, name], role)
            found[role] = value
        return found

    def _dated_stated_days(
        self, doc: _Document, days: Mapping[str, int], findings: Mapping[str, FindingDefinition]
    ) -> dict[str, int]:
        """Per finding; only findings whose role ignores a history (see `_days_by_role`)."""
        for name in days:
            concept = findings.get(name)
            if concept is None:
                raise doc.error(["dated_stated_days", name], f"unknown finding {name!r}")
            self._ignoring_history(doc, ["dated_stated_days", name], concept.role)
        return dict(days)

    def _ignoring_history(self, doc: _Document, where: list[str], role: Role) -> None:
        if self.policy_doc.data["evidence"][role.value]["historical"] != Effect.IGNORE.value:
            raise doc.error(where, f"{where[-1]} does not ignore a history: nothing to read")

    @staticmethod
    def _unique(doc: _Document, path: list[Any], values: list[Any]) -> None:
        seen: set[Any] = set()
        for i, value in enumerate(values):
            if value in seen:
                raise doc.error([*path, i], f"duplicate {value!r}")
            seen.add(value)


def _unless_agents_named(entry: Contraindication, entries: Iterable[Contraindication]) -> Contraindication:
    """An allergy that names no agent ("contrast") does not apply when the allergy names one: the words of every entry
    that excludes part of what it excludes (gadolinium's, iodinated contrast's) join its `allergy_text_unless`."""
    if not entry.allergy_text:
        return entry
    narrower = [
        word
        for other in entries
        if other.narrower_than(entry)
        for word in other.allergy_text
        if word not in entry.allergy_text_unless
    ]
    return replace(entry, allergy_text_unless=entry.allergy_text_unless + tuple(dict.fromkeys(narrower)))


def _estimate(e: dict[str, Any]) -> FiltrationEstimate:
    return FiltrationEstimate(
        equation=e["equation"],
        below=float(e["below"]),
        constant=float(e["constant"]),
        kappa={k: float(v) for k, v in e["kappa"].items()},
        alpha={k: float(v) for k, v in e["alpha"].items()},
        exponent_above=float(e["exponent_above"]),
        age_base=float(e["age_base"]),
        female_factor=float(e["female_factor"]),
    )
