"""The orders' own words are read up to a bound per request (ORDER_WORDS_READ): a body of many long reasons or notes,
each readable alone, cannot make one request read for minutes. Beyond the bound no order's words are read and every
rated order is insufficient-data (never a warning); below it, every text is read as usual."""

from __future__ import annotations

from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine import Outcome
from cds_service.engine.recognise import ORDER_WORDS_READ, order_words_size
from cds_service.engine.text.reader import MAX_TEXT_CHARS
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY

CHART = [patient(), condition("M54.2", onset="2026-11-07")]  # acute neck pain: a CT is a warning (variant 1)
FILLER = "Routine follow-up, medications reviewed. "  # 41 characters that name nothing
LONG = FILLER * ((MAX_TEXT_CHARS - 100) // len(FILLER))  # readable alone (under MAX_TEXT_CHARS)


def draft(oid: str, *notes: str, reason: str | None = None, code: str = "72125") -> ServiceRequest:
    raw = order_json(code, oid=oid) | {"note": [{"text": n} for n in notes]}
    if reason is not None:
        raw["reasonCode"] = [{"text": reason}]
    return ServiceRequest.model_validate(raw)


def outcomes(engine, orders):
    return [d.outcome for d in engine.evaluate(orders, CHART, today=TODAY)]


def over_the_bound(engine, orders):
    decisions = engine.evaluate(orders, CHART, today=TODAY)
    assert all(d.outcome is Outcome.INSUFFICIENT_DATA for d in decisions)
    assert all(any(f"more than {ORDER_WORDS_READ} characters" in r for r in d.reasons) for d in decisions)


def test_control_one_order_with_a_long_readable_note_is_read(engine):
    assert outcomes(engine, [draft("o1", LONG)]) == [Outcome.NOT_APPROPRIATE]


def test_control_the_words_of_a_long_note_still_count(engine):
    (d,) = engine.evaluate([draft("o1", LONG + " Known metastatic breast cancer.")], CHART, today=TODAY)
    assert d.outcome is not Outcome.NOT_APPROPRIATE  # the red flag at the end of the note was read


def test_many_orders_whose_words_together_pass_the_bound_are_insufficient_data(engine):
    count = ORDER_WORDS_READ // len(LONG) + 1
    over_the_bound(engine, [draft(f"o{i}", LONG) for i in range(count)])


def test_one_order_with_many_readable_notes_past_the_bound_is_insufficient_data(engine):
    over_the_bound(engine, [draft("o1", *[LONG] * (ORDER_WORDS_READ // len(LONG) + 1))])


def test_long_reason_texts_count_as_well_as_notes(engine):
    half = ORDER_WORDS_READ // 2 + 1
    text = (FILLER * (half // len(FILLER) + 1))[:half]
    pieces = [text[i : i + 15_000] for i in range(0, half, 15_000)]
    orders = [draft("o1", *pieces, reason=None), draft("o2", reason=pieces[0]), draft("o3", *pieces[1:])]
    over_the_bound(engine, orders)


def test_a_red_flag_past_the_bound_still_never_gives_a_warning(engine):
    # the red flag is not read, and the unread words make the decision insufficient-data, not a warning
    flagged = draft("o1", *[LONG] * (ORDER_WORDS_READ // len(LONG) + 1), "Known metastatic breast cancer.")
    assert outcomes(engine, [flagged]) == [Outcome.INSUFFICIENT_DATA]


def test_coded_reasons_are_still_shown_past_the_bound(engine):
    raw = order_json("72125", reasons=[("icd10cm", "M54.2")]) | {"note": [{"text": LONG}] * 4}
    (d,) = engine.evaluate([ServiceRequest.model_validate(raw)], CHART, today=TODAY)
    assert d.outcome is Outcome.INSUFFICIENT_DATA
    assert any(m.evidence.reference == "ServiceRequest/order-1" and m.order_reason for m in d.mentions)


def test_ordinary_orders_are_far_below_the_bound(engine):
    reasons = ["neck pain radiating to L arm x3 wks, no trauma", "L C6 radiculopathy 3 weeks, neck pain, no trauma"]
    orders = [draft(f"o{i}", "pt requests imaging", reason=reasons[i % 2]) for i in range(20)]
    assert sum(order_words_size(o) for o in orders) < ORDER_WORDS_READ // 10
    assert Outcome.INSUFFICIENT_DATA not in outcomes(engine, orders)


def test_the_size_counts_reason_texts_displays_and_notes():
    raw = order_json("72125") | {
        "reasonCode": [{"text": "abc", "coding": [{"code": "x", "display": "defg"}]}, {"coding": [{"display": "hi"}]}],
        "note": [{"text": "jklmn", "authorString": "dr x"}],
    }
    assert order_words_size(ServiceRequest.model_validate(raw)) == 3 + 4 + 2 + 5


# -- a study rated only for a neck reason in the order's own words (whole body, no level) ------------------------
WHOLE_BODY_CHART = [patient(), condition("C50.911"), condition("M54.2", onset="2026-11-07")]


def whole_body(*notes: str) -> ServiceRequest:
    return ServiceRequest.model_validate(order_json("78306") | {"note": [{"text": n} for n in notes]})


def test_control_a_bone_scan_for_neck_pain_in_its_own_words_is_rated(engine):
    (d,) = engine.evaluate([whole_body("neck pain")], WHOLE_BODY_CHART, today=TODAY)
    assert d.outcome is Outcome.NOT_APPROPRIATE
    (d,) = engine.evaluate([whole_body("staging")], WHOLE_BODY_CHART, today=TODAY)
    assert d.outcome is Outcome.NOT_APPLICABLE  # no neck reason in its words: not this topic's order


def test_unread_words_may_hold_the_neck_reason_so_the_data_is_insufficient_not_off_topic(engine):
    past_the_bound = whole_body(*[LONG] * (ORDER_WORDS_READ // len(LONG) + 1), "neck pain")
    (d,) = engine.evaluate([past_the_bound], WHOLE_BODY_CHART, today=TODAY)
    assert d.outcome is Outcome.INSUFFICIENT_DATA


def test_a_single_text_too_long_to_read_is_insufficient_data_too(engine):
    (d,) = engine.evaluate([whole_body("neck pain. " * (MAX_TEXT_CHARS // 11 + 1))], WHOLE_BODY_CHART, today=TODAY)
    assert d.outcome is Outcome.INSUFFICIENT_DATA


def test_an_order_the_topic_does_not_rate_counts_nothing_toward_the_bound(engine):
    # as in a hook call, where only the rated orders' words are read: a chest CT's long notes change nothing here
    chest = draft("o2", *[LONG] * (ORDER_WORDS_READ // len(LONG) + 1), code="71250")
    assert engine.match(chest) is None
    decisions = engine.evaluate([draft("o1"), chest], CHART, today=TODAY)
    assert [d.outcome for d in decisions] == [Outcome.NOT_APPROPRIATE, Outcome.NOT_APPLICABLE]
    assert not any("characters" in r for d in decisions for r in d.reasons)
