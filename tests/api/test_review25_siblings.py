"""Review 25: what the call's other draft orders say of the patient counts, at most as uncertain (it may block or
widen, never lead to a warning): "hx breast ca" on the radiographs beside an MRI for "neck pain x 2 wks"."""

from __future__ import annotations

import pytest

from tests.api.test_hostile_input import SELECT, SIGN
from tests.builders import order_json, patient
from tests.hook_requests import hook_body, prefetch_for


def _drafts(xr_reason: str, mri_reason: str = "neck pain x 2 wks") -> list[dict]:
    xr = order_json("72040", oid="o-xr") | {"reasonCode": [{"text": xr_reason}]}
    mri = order_json("72141", oid="o-mri") | {"reasonCode": [{"text": mri_reason}]}
    return [xr, mri]


def _warned(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [card["summary"] for card in response.get_json()["cards"] if card["indicator"] == "warning"]


@pytest.mark.parametrize(
    "xr_reason", ["neck pain x 2 wks, hx breast ca", "neck pain x 2 wks. MVC yesterday", "r/o mets, neck pain"]
)
def test_a_red_flag_in_another_drafts_reason_blocks_this_orders_warning(client, xr_reason):
    body = hook_body(_drafts(xr_reason), hook="order-sign", prefetch=prefetch_for([patient()]))
    assert not any("MRI" in summary.split(":")[0] for summary in _warned(client.post(SIGN, json=body)))


def test_an_unselected_drafts_reason_counts_on_order_select(client):
    body = hook_body(
        _drafts("neck pain x 2 wks, hx breast ca"),
        selections=["ServiceRequest/o-mri"],
        prefetch=prefetch_for([patient()]),
    )
    assert _warned(client.post(SELECT, json=body)) == []


def test_control_another_drafts_plain_indication_leaves_the_warning(client):
    body = hook_body(_drafts("neck pain x 2 wks"), hook="order-sign", prefetch=prefetch_for([patient()]))
    assert any("MRI" in summary.split(":")[0] for summary in _warned(client.post(SIGN, json=body)))


def test_control_another_drafts_indication_alone_does_not_make_a_warning(client):
    body = hook_body(_drafts("neck pain x 2 wks", mri_reason=""), hook="order-sign", prefetch=prefetch_for([patient()]))
    body["context"]["draftOrders"]["entry"][1]["resource"].pop("reasonCode")
    assert not any("MRI" in summary.split(":")[0] for summary in _warned(client.post(SIGN, json=body)))
