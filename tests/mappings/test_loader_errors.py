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
    assert (error.file, error.entry) == ("procedures.yaml", "procedures[4].mri")


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
    assert error.entry == "findings[0].conditions.icd10cm" and "range" in error.problem


def test_observation_pointing_at_unknown_finding(mappings_copy):
    _edit(mappings_copy, "observations.yaml", lambda d: d["observations"][0].update(finding="fevre"))
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
