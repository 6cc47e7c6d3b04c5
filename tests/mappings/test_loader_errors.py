"""Bad mapping files fail at load time with a message naming file, entry and problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cds_service.knowledge import MappingError, default_mappings_dir, load_knowledge


@pytest.fixture
def mappings_copy(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(default_mappings_dir(), target)
    return target


def _edit(root: Path, name: str, change) -> None:
    path = root / name
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def _error(root: Path) -> MappingError:
    with pytest.raises(MappingError) as caught:
        load_knowledge(root)
    return caught.value


def test_the_shipped_mappings_load(mappings_copy):
    assert len(load_knowledge(mappings_copy).variants) == 8


def test_unknown_category_names_file_entry_and_problem(mappings_copy):
    _edit(
        mappings_copy, "acr/cervical-pain-2024.yaml", lambda d: d["variants"][1]["ratings"][3].update(category="MAYBE")
    )
    error = _error(mappings_copy)
    assert error.file == "acr/cervical-pain-2024.yaml"
    assert error.entry == "variants[1].ratings[3]"
    assert "MAYBE" in error.problem


def test_unknown_procedure_in_a_rating(mappings_copy):
    _edit(
        mappings_copy,
        "acr/cervical-pain-2024.yaml",
        lambda d: d["variants"][0]["ratings"][0].update(procedure="xr-cspin"),
    )
    assert "xr-cspin" in str(_error(mappings_copy))


def test_schema_violation_reports_the_path(mappings_copy):
    _edit(mappings_copy, "procedures.yaml", lambda d: d["procedures"][4].update(mri="yes"))
    error = _error(mappings_copy)
    assert (error.file, error.entry) == ("procedures.yaml", "procedures[4] (mra-neck-w).mri")
    assert error.line is not None and "mri: 'yes'" in _line(mappings_copy / "procedures.yaml", error.line)


def test_code_mapped_twice_is_rejected(mappings_copy):
    _edit(mappings_copy, "order-codes.yaml", lambda d: d["codes"][1]["loinc"].append("43539-6"))
    error = _error(mappings_copy)
    assert error.file == "order-codes.yaml" and "43539-6" in error.problem


def test_unknown_code_system_is_rejected(mappings_copy):
    _edit(mappings_copy, "order-codes.yaml", lambda d: d["codes"][0].update(loinc2=["1-1"]))
    assert "loinc2" in str(_error(mappings_copy))


def test_bad_code_range_is_rejected(mappings_copy):
    _edit(
        mappings_copy,
        "findings.yaml",
        lambda d: d["findings"][0]["conditions"]["icd10cm"]["include"].append("C96..C00"),
    )
    error = _error(mappings_copy)
    assert error.entry == "findings[0] (neck-pain).conditions.icd10cm" and "range" in error.problem


def test_observation_pointing_at_unknown_finding(mappings_copy):
    _edit(mappings_copy, "observations.yaml", lambda d: d["observations"][0].update(concept="fevre"))
    assert "fevre" in str(_error(mappings_copy))


def test_policy_with_unknown_variant(mappings_copy):
    _edit(mappings_copy, "policy.yaml", lambda d: d["variants"].update(malignancy=[9]))
    error = _error(mappings_copy)
    assert (error.file, error.entry) == ("policy.yaml", "variants.malignancy")


def test_invalid_yaml(mappings_copy):
    (mappings_copy / "policy.yaml").write_text("adult_age_years: [18\n", encoding="utf-8")
    assert "not valid YAML" in str(_error(mappings_copy))


def test_missing_file(mappings_copy):
    (mappings_copy / "observations.yaml").unlink()
    assert _error(mappings_copy).file == "observations.yaml"


def test_a_procedure_no_variant_rates_is_rejected(mappings_copy):
    def add(d):
        d["procedures"].append({**d["procedures"][0], "id": "xr-extra", "name": "Radiography extra"})

    _edit(mappings_copy, "procedures.yaml", add)
    assert "xr-extra" in str(_error(mappings_copy))


def _line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[number - 1]


def _finding(document, finding_id):
    return next(f for f in document["findings"] if f["id"] == finding_id)


@pytest.mark.parametrize("bad", ["M54 11", "M5", "54.2", "C50.9111111"])
def test_a_code_that_does_not_look_like_its_system_is_rejected(mappings_copy, bad):
    _edit(
        mappings_copy,
        "findings.yaml",
        lambda d: _finding(d, "neck-pain")["conditions"]["icd10cm"]["include"].append(bad),
    )
    error = _error(mappings_copy)
    assert error.entry == "findings[0] (neck-pain).conditions.icd10cm" and "icd10cm" in error.problem


def test_a_malformed_snomed_code_is_rejected(mappings_copy):
    _edit(
        mappings_copy,
        "findings.yaml",
        lambda d: _finding(d, "radiculopathy")["conditions"]["snomed"]["include"].append("5440A"),
    )
    assert "5440A" in _error(mappings_copy).problem


@pytest.mark.parametrize(
    ("kind", "element", "code"),
    [("Condition", "clinicalStatus", "cured"), ("MedicationRequest", "status", "taken"), ("Device", "status", "on")],
)
def test_a_status_code_outside_the_fhir_value_set_is_rejected(mappings_copy, kind, element, code):
    _edit(mappings_copy, "statuses.yaml", lambda d: d[kind][element]["codes"].update({code: "historical"}))
    error = _error(mappings_copy)
    assert error.file == "statuses.yaml" and error.entry == f"{kind}.{element}.codes" and code in error.problem


def test_a_plain_status_has_no_code_system_and_an_hl7_one_needs_its_own(mappings_copy):
    _edit(mappings_copy, "statuses.yaml", lambda d: d["MedicationStatement"]["status"].update(system="http://x"))
    assert _error(mappings_copy).entry == "MedicationStatement.status"
    shutil.copy(default_mappings_dir() / "statuses.yaml", mappings_copy / "statuses.yaml")
    _edit(mappings_copy, "statuses.yaml", lambda d: d["Condition"]["verificationStatus"].pop("system"))
    assert _error(mappings_copy).entry == "Condition.verificationStatus"


def test_renaming_a_finding_the_policy_names_fails_at_load(mappings_copy):
    _edit(mappings_copy, "findings.yaml", lambda d: _finding(d, "fever").update(id="pyrexia"))
    error = _error(mappings_copy)
    assert (error.file, error.entry) == ("policy.yaml", "suspected_infection.all_of[0]") and "fever" in error.problem


def test_the_age_finding_must_be_out_of_scope(mappings_copy):
    _edit(mappings_copy, "policy.yaml", lambda d: d.update(age_finding="fever"))
    error = _error(mappings_copy)
    assert error.entry == "age_finding" and "out-of-scope" in error.problem


def test_a_variant_for_children_contradicts_the_age_rule(mappings_copy):
    _edit(mappings_copy, "acr/cervical-pain-2024.yaml", lambda d: d["variants"][0].update(adult_only=False))
    error = _error(mappings_copy)
    assert error.file == "policy.yaml" and "[1]" in error.problem


def test_unknown_status_must_not_enable_a_warning(mappings_copy):
    _edit(mappings_copy, "findings.yaml", lambda d: _finding(d, "neck-pain").update(effects={"unknown": "finding"}))
    error = _error(mappings_copy)
    assert error.entry == "findings[0] (neck-pain).effects" and "status cannot be read" in error.problem


def test_widen_only_applies_to_roles_that_choose_variants(mappings_copy):
    _edit(mappings_copy, "findings.yaml", lambda d: _finding(d, "fever").update(effects={"uncertain": "widen"}))
    assert "widen" in _error(mappings_copy).problem


def test_lexicon_term_for_an_unknown_concept(mappings_copy):
    _edit(mappings_copy, "lexicon.yaml", lambda d: d["terms"].append({"concept": "neck-pian", "literals": ["x"]}))
    error = _error(mappings_copy)
    assert error.file == "lexicon.yaml" and error.entry.endswith(".concept") and "neck-pian" in error.problem


@pytest.mark.parametrize("key", ["events", "described_conditions", "ongoing_unless_dated"])
def test_lexicon_doubt_for_an_unknown_concept(mappings_copy, key):
    _edit(mappings_copy, "lexicon.yaml", lambda d: d["cues"]["doubts"][key].append("coagulopathie"))
    error = _error(mappings_copy)
    assert error.file == "lexicon.yaml" and f"cues.doubts.{key}" in error.entry and "coagulopathie" in error.problem


@pytest.mark.parametrize(
    ("section", "literal"),
    [("terms", "metastatic breast"), ("ignore", "neck pain")],  # (each already a literal of a term)
)
def test_a_lexicon_literal_written_twice_is_rejected(mappings_copy, section, literal):
    # (two rules of one span: "R-CHOP" was a known cancer or an uncertain one depending on the matcher's order)
    entry = {"concept": "malignancy", "literals": [literal]} if section == "terms" else {"literals": [literal]}
    _edit(mappings_copy, "lexicon.yaml", lambda d: d[section].append(entry))
    error = _error(mappings_copy)
    assert error.file == "lexicon.yaml" and error.entry.startswith(f"{section}[") and "already written" in error.problem


def test_a_key_written_twice_in_one_mapping_is_rejected(mappings_copy):
    # (YAML keeps the last: a second `patterns:` of a lexicon term silently dropped the first)
    path = mappings_copy / "lexicon.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - concept: neck-pain\n", "  - concept: neck-pain\n    concept: neck-pain\n", 1))
    error = _error(mappings_copy)
    assert error.file == "lexicon.yaml" and "'concept' written twice" in error.problem


def test_a_cue_not_for_an_unknown_concept_is_rejected(mappings_copy):
    cue = {"literal": "scan for", "category": "POSSIBLE_EXISTENCE", "direction": "FORWARD", "not_for": ["neck-pian"]}
    _edit(mappings_copy, "lexicon.yaml", lambda d: d["cues"]["add"].append(cue))
    error = _error(mappings_copy)
    assert error.file == "lexicon.yaml" and ".not_for" in error.entry and "neck-pian" in error.problem


def _crp_words(document):
    return next(m for m in document["measurements"] if m["rule"] == "crp")


def test_a_bare_number_s_units_must_be_the_rule_s(mappings_copy):
    _edit(mappings_copy, "lexicon.yaml", lambda d: _crp_words(d).update(bare=[{"units": ["mg/L", "mg/dl"]}]))
    error = _error(mappings_copy)
    assert error.file == "lexicon.yaml" and "'mg/dl' is not a unit of rule 'crp'" in error.problem


def test_an_unnamed_value_s_range_must_not_be_empty(mappings_copy):
    def change(document):
        temperature = next(m for m in document["measurements"] if m["rule"] == "body-temperature")
        temperature["unnamed"]["within"] = {"from": 43, "to": 35}

    _edit(mappings_copy, "lexicon.yaml", change)
    error = _error(mappings_copy)
    assert "unnamed.within" in error.entry and "empty range" in error.problem


def test_lexicon_pattern_with_an_unknown_token_attribute(mappings_copy):
    bad = {"concept": "neck-pain", "patterns": [{"name": "bad", "tokens": [{"LOWR": "neck"}]}]}
    _edit(mappings_copy, "lexicon.yaml", lambda d: d["terms"].append(bad))
    assert "LOWR" in _error(mappings_copy).problem


def test_lexicon_duration_expression_must_compile_with_its_groups(mappings_copy):
    _edit(mappings_copy, "lexicon.yaml", lambda d: d["durations"].update(span="(?P<n>\\d+)"))
    error = _error(mappings_copy)
    assert error.entry == "durations.span" and "unit" in error.problem


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("holidays", {"christmas": ["02-30"]}, "no day 30 in month 2"),
        ("holidays", {"Christmas": ["12-25"]}, "does not match"),  # names are written as they are looked up
        ("holidays", {"easter": ["13-01"]}, "does not match"),
        ("month_parts", {"late": [31, 18]}, "31 comes after 18"),
        ("year_parts", {"late": [9, 13]}, "greater than the maximum"),
    ],
)
def test_lexicon_holidays_and_parts_are_checked(mappings_copy, key, value, problem):
    _edit(mappings_copy, "lexicon.yaml", lambda d: d["durations"][key].update(value))
    error = _error(mappings_copy)
    assert error.entry.startswith(f"durations.{key}") and problem in error.problem


def test_a_contraindication_id_that_is_also_a_finding_id_is_rejected(mappings_copy):
    _edit(mappings_copy, "contraindications.yaml", lambda d: d["contraindications"][0].update(id="fever"))
    assert "fever" in _error(mappings_copy).problem


def test_a_bad_code_in_a_code_list_file_names_the_file_and_line(mappings_copy):
    path = mappings_copy / "codes" / "snomed" / "fever.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "38.5C\tFever of 38.5\ttypo")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = _error(mappings_copy)
    assert (error.file, error.line) == ("codes/snomed/fever.tsv", 4) and "snomed" in error.problem


def _finding(document, fid):
    return next(f for f in document["findings"] if f["id"] == fid)


@pytest.mark.parametrize(
    ("fid", "reading"),
    [
        ("malignancy", "affirmed"),  # a cancer drug taken now would make variant 5
        ("neck-pain", "uncertain"),  # an uncertain indication widens the candidates
        ("neck-pain", "affirmed"),
        ("prior-surgery", "uncertain"),
    ],
)
def test_a_medicine_that_could_lead_to_a_warning_is_refused(mappings_copy, fid, reading):
    _edit(mappings_copy, "findings.yaml", lambda d: _finding(d, fid).update(medicines=reading))
    error = _error(mappings_copy)
    assert error.file == "findings.yaml" and error.entry.endswith(".medicines")
    assert "must not lead to a warning" in error.problem


def test_red_flags_may_be_read_in_medicines_as_stated(mappings_copy):
    _edit(mappings_copy, "findings.yaml", lambda d: _finding(d, "fever").update(medicines="affirmed"))
    assert load_knowledge(mappings_copy).findings["fever"].medicines == "affirmed"


@pytest.mark.parametrize("value", [None, -1, "14"])
def test_the_stopped_medicine_window_must_be_a_number_of_days(mappings_copy, value):
    _edit(
        mappings_copy,
        "policy.yaml",
        lambda d: d.pop("stopped_medicine_days") if value is None else d.update(stopped_medicine_days=value),
    )
    error = _error(mappings_copy)
    assert error.file == "policy.yaml" and "stopped_medicine_days" in f"{error.entry} {error.problem}"


@pytest.mark.parametrize(
    ("key", "name", "problem"),
    [
        ("recent_history_days", "malignancy", "does not ignore a history"),
        ("recent_history_days", "tumour", "unknown role"),
        ("dated_stated_days", "malignancy", "does not ignore a history"),
        ("dated_stated_days", "tumour", "unknown finding"),
    ],
)
def test_days_only_for_what_ignores_a_history(mappings_copy, key, name, problem):
    """A malignancy written as history already counts (policy §3): reading one as uncertain would block."""
    _edit(mappings_copy, "policy.yaml", lambda d: d[key].update({name: 14}))
    error = _error(mappings_copy)
    assert error.entry == f"{key}.{name}" and problem in error.problem
