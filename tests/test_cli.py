"""`cds-service evaluate`: a chart file in, the decision out (JSON or text)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cds_service.cli import main
from tests.conftest import FIXTURES

CHART = FIXTURES / "charts" / "vignette-002-cancer-radiculopathy.json"


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_evaluate_uses_the_bundle_order(capsys):
    code, out, _ = run(capsys, "evaluate", str(CHART))
    (decision,) = json.loads(out)
    assert code == 0
    assert decision["outcome"] == "not-appropriate"
    assert decision["variants"][0]["number"] == 5
    assert decision["alternatives"][0]["procedure"] == "mr-cspine-wow"
    assert decision["pama_rating"] == "not-appropriate"


def test_evaluate_with_an_order_code(capsys):
    code, out, _ = run(capsys, "evaluate", str(CHART), "--order", "http://www.ama-assn.org/go/cpt|72156")
    (decision,) = json.loads(out)
    assert (code, decision["outcome"], decision["ratings"][0]["category"]) == (0, "appropriate", "UA")


def test_evaluate_text_format(capsys):
    code, out, _ = run(capsys, "evaluate", str(CHART), "--format", "text")
    assert code == 0
    assert "NOT-APPROPRIATE" in out and "Variant 5" in out and "Condition/vig-cancer-radic" in out


def test_evaluate_bundle_without_order_needs_order_option(tmp_path, capsys):
    bundle = json.loads(CHART.read_text())
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "ServiceRequest"]
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(bundle))
    code, _, err = run(capsys, "evaluate", str(path))
    assert code == 2 and "--order" in err
    code, out, _ = run(capsys, "evaluate", str(path), "--order", "http://loinc.org|30667-0", "--date", "2026-11-21")
    assert code == 0 and json.loads(out)[0]["ratings"][0]["category"] == "MBA"


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ('{"resourceType": "Patient"}', "expected a FHIR Bundle")],
)
def test_evaluate_bad_files_get_clear_errors(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, _, err = run(capsys, "evaluate", str(path))
    assert code == 2 and message in err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"_status": "5"}, "a primitive extension must be an object"),  # (a traceback before: review 51)
        ({"code": '{"coding": []}'}, "an element given as JSON text"),  # (rated "not-applicable" before)
        ({"status": 7}, "is not valid FHIR R4"),
    ],
)
def test_evaluate_refuses_a_draft_as_the_hook_call_does(tmp_path, capsys, change, message):
    bundle = json.loads(CHART.read_text())
    (order,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest"]
    order.update(change)
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(bundle))
    code, out, err = run(capsys, "evaluate", str(path))
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_evaluate_bad_order_option(capsys):
    code, _, err = run(capsys, "evaluate", str(CHART), "--order", "72141")
    assert code == 2 and "SYSTEM|CODE" in err


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "cds_service", "evaluate", str(CHART), "--format", "text"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "NOT-APPROPRIATE" in result.stdout
