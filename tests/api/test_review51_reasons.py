"""A fifty-first review: a suggested order kept the draft's reason coding that had no display beside the complete
coding made of it (the sandbox's PAMA tab shows every coding's display: a blank line)."""

from __future__ import annotations

from tests.builders import order_json, patient
from tests.hook_requests import hook_body, prefetch_for

SELECT = "/cds-services/cspine-auc-select"
SNOMED = "http://snomed.info/sct"


def test_a_reason_coding_without_display_is_sent_back_once_with_its_display(client):
    draft = order_json("72040")  # radiographs: Usually Not Appropriate for cervicogenic headache (variant 6)
    draft["reasonCode"] = [{"coding": [{"system": SNOMED, "code": "279016001"}], "text": "headache from the neck"}]
    answer = client.post(SELECT, json=hook_body([draft], prefetch=prefetch_for([patient()]))).json
    (card,) = [c for c in answer["cards"] if c["indicator"] == "warning"]
    (suggestion, *_) = card["suggestions"]
    (reason,) = suggestion["actions"][0]["resource"]["reasonCode"]
    (coding,) = reason["coding"]
    assert (coding["system"], coding["code"]) == (SNOMED, "279016001")
    assert coding["display"].strip()
    assert reason["text"] == "headache from the neck"  # the clinician's words kept
