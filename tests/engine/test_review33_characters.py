"""Words written with characters that look like the letters they stand for, which a thirty-third review (2026-12-05)
found hid a red flag (a warning given) or an implant or a contrast allergy (a study suggested the chart rules out):
full-width letters of a CJK input method ("ｂreast ｃancer"), a Cyrillic or Greek letter among Latin ones ("Pаcemaker"),
a soft hyphen or a direction mark inside or around a word, an accent on an English word (`characters.py`).

Variant 1 (neck pain for two weeks) with an MRI (72141) warns; each red flag must stop that. Variant 5 (a bone
metastasis) with radiographs (72040) warns and suggests MRI and contrast studies; each contraindication must remove
its studies. Controls: the same words typed plainly; look-alike letters in a word of another script are left as they
are; offsets of the words read stay those of the text as written.
"""

from __future__ import annotations

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.text.characters import folded, searchable
from tests.builders import allergy, condition, device, medicine, observation, order_json, patient
from tests.conftest import TODAY
from tests.engine.metastasis_suggestions import ACUTE, MRI, suggestions
from tests.text_cases import reason_outcome

GADOLINIUM = {"mr-cspine-wow"}
CYRILLIC_A, GREEK_O, SOFT_HYPHEN, RLM, ZWSP = "\u0430", "\u03bf", "\u00ad", "\u200f", "\u200b"


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


RED_FLAGS = ["breast cancer", "warfarin", "HIV", "fever"]
DISGUISES = {
    "a Cyrillic letter": lambda w: w.replace("a", CYRILLIC_A, 1) if "a" in w else w.replace("e", "\u0435", 1),
    "a Greek letter": lambda w: w.replace("o", GREEK_O, 1) if "o" in w else w.replace("e", "\u03b5", 1),
    "full-width letters": _full_width,
    "a soft hyphen": lambda w: w[:3] + SOFT_HYPHEN + w[3:] if len(w) > 3 else w[:1] + SOFT_HYPHEN + w[1:],
    "direction marks": lambda w: RLM + w + RLM,
    "a mathematical bold letter": lambda w: "\U0001d41b" + w[1:] if w[0] == "b" else w,
}


def _v1(engine, reason: str | None, *extra: dict) -> str:
    """The outcome of an MRI (72141) for neck pain of two weeks (variant 1: it warns) with the order's `reason` and
    `extra` resources."""
    chart = [patient(), condition("M54.2", onset=ACUTE), *extra]
    draft = order_json("72141")
    if reason:
        draft["reasonCode"] = [{"text": reason}]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(draft)], chart, today=TODAY)
    return decision.outcome.value


@pytest.mark.parametrize("flag", RED_FLAGS)
@pytest.mark.parametrize("disguise", DISGUISES)
def test_a_red_flag_in_look_alike_letters_in_the_reason_stops_the_warning(engine, flag, disguise):
    written = DISGUISES[disguise](flag)
    assert _v1(engine, f"neck pain x 2 weeks, {written}") != "not-appropriate", written


def test_control_the_reason_without_a_red_flag_warns(engine):
    assert _v1(engine, None) == "not-appropriate"
    assert _v1(engine, "neck pain x 2 weeks") == "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "Breast c\u0430ncer",
        "Breast can\u00adcer",
        "\uff22reast \uff43ancer",
        "\u200fBreast cancer\u200f",
        "\uff28\uff29\uff36",
        "Metast\u0430tic disease to bone",
    ],
)
def test_a_problem_list_entry_in_look_alike_letters_is_read(engine, text):
    entry = condition("M54.2", cid="problem")
    entry["code"] = {"text": text}
    assert _v1(engine, None, entry) != "not-appropriate"


@pytest.mark.parametrize(
    "name", ["w\u0430rfarin 5 mg", "war\u00adfarin 5 mg", "\uff25liquis 5 mg", "Xar\u0435lto", "\u200eapixaban"]
)
def test_an_anticoagulant_in_look_alike_letters_stops_the_warning(engine, name):
    assert _v1(engine, None, medicine(name)) != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "P\u0430cemaker",
        "Pace\u00admaker",
        "Pace\u200bmaker",
        "\uff30acemaker",
        "Pacema\u0301ker",
        "C\u0430rdiac p\u0430cemaker",
        "\u202bCochlear implant\u202c",
        "Implantable cardioverter-defibrill\u0430tor",
    ],
)
def test_an_implant_in_look_alike_letters_removes_mri(engine, text):
    left = suggestions(engine, device(text))
    assert left and not MRI & left


@pytest.mark.parametrize(
    "text", ["G\u0430dolinium", "Gado\u00adlinium", "\uff27adolinium", "Gadavist\u200f", "Gad\u03bfterate"]
)
def test_a_gadolinium_allergy_in_look_alike_letters_removes_gadolinium(engine, text):
    left = suggestions(engine, allergy(text))
    assert left and not GADOLINIUM & left and "mr-cspine-wo" in left


@pytest.mark.parametrize("text", ["Pacemaker", "Gadolinium"])
def test_control_the_same_words_typed_plainly_remove_their_studies(engine, text):
    left = suggestions(engine, device(text) if text == "Pacemaker" else allergy(text))
    assert not (MRI if text == "Pacemaker" else GADOLINIUM) & left


def test_control_a_device_of_another_kind_in_look_alike_letters_removes_nothing(engine):
    assert suggestions(engine, device("Hе\u0430ring \u0430id, extern\u0430l")) >= MRI


# -- the character functions themselves ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Breast c\u0430ncer", "Breast cancer"),
        ("\uff42reast", "breast"),
        ("\U0001d401\U0001d42b\U0001d41e\U0001d41a\U0001d42c\U0001d42d", "Breast"),
        ("\uff10\uff12 weeks", "02 weeks"),
        ("TNF-\u03b1 inhibitor", "TNF-\u03b1 inhibitor"),  # a Greek letter standing alone stays
        (
            "\u0420\u0430\u043a \u0433\u0440\u0443\u0434\u0438",
            "\u0420\u0430\u043a \u0433\u0440\u0443\u0434\u0438",
        ),  # a Russian word stays
        ("\u00b5mol/L, m\u00b2", "\u00b5mol/L, m\u00b2"),  # a micro sign, a superscript: no letter of a word
        ("caf\u00e9", "cafe"),  # an accent: its base letter (one for one)
    ],
)
def test_folded_reads_look_alike_letters_one_for_one(written, read):
    assert folded(written) == read and len(folded(written)) == len(written)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Pace\u00admaker", "Pacemaker"),
        ("Pace\u200bmaker", "Pacemaker"),
        ("Pacema\u0301ker", "Pacemaker"),
        ("Pacem\u00e1ker", "Pacemaker"),
        ("\u202bICD\u202c", "ICD"),
        ("Loop\u00a0recorder", "Loop recorder"),
        ("\ufb01brosis", "fibrosis"),
    ],
)
def test_searchable_drops_what_is_invisible_and_accents(written, read):
    assert searchable(written) == read


def test_the_words_read_are_quoted_as_written(engine):
    text = "neck pain, metast\u0430tic breast c\u0430ncer"
    found = [text[m.start : m.end] for m in engine.reader.words.read(text) if m.concept == "malignancy"]
    assert found and all(CYRILLIC_A in quoted for quoted in found)


# -- a re-review's (34a) holes -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "reason",
    [
        "neck pain x 2 weeks, neurologic de\ufb01cit",
        "neck pain x 2 weeks, in\ufb02ammatory arthritis",
        "neck pain x 2 weeks, s/p C5-6 \ufb01xation",
        "neck pain x 2 weeks, on anti-TNF\u03b1 therapy",
        "neck pain x 2 weeks, on a TNF-\u03b1 inhibitor",
    ],
)
def test_ligatures_and_a_greek_letter_meant_as_one_keep_their_red_flag(engine, reason):
    assert _v1(engine, reason) != "not-appropriate", reason


def test_ligatures_are_quoted_as_written(engine):
    text = "neck pain x 2 weeks, neurologic de\ufb01cit"
    found = [text[m.start : m.end] for m in engine.reader.words.read(text) if m.concept == "neurologic-deficit"]
    assert found == ["neurologic de\ufb01cit"]


@pytest.mark.parametrize(
    ("written", "read"), [("TNF\u03b1", "TNF\u03b1"), ("IL-1\u03b2", "IL-1\u03b2"), ("f\u03b5ver", "fever")]
)
def test_a_greek_letter_is_latin_only_between_latin_letters(written, read):
    assert folded(written) == read


@pytest.mark.parametrize(
    "reason",
    [
        "neck pain x 2 weeks, bre\u0301ast cance\u0301r",
        "neck pain x 2 weeks, cervica\u0301l mye\u0301lopathy",
        "neck pain x 2 weeks, lung \u00e7an\u00e7er",
        "neck pain x 2 weeks, on adal\u00edm\u00famab",
        "neck pain x 2 weeks, on M\u00e9thotrexate",
    ],
)
def test_accents_on_english_words_keep_their_red_flag(engine, reason):
    assert _v1(engine, reason) != "not-appropriate", reason


def test_a_temperature_in_a_vital_signs_panels_component_is_read(engine):
    fever = {
        "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
        "valueQuantity": {"value": 38.9, "unit": "Cel", "system": "http://unitsofmeasure.org", "code": "Cel"},
    }
    panel = observation("85353-1", None, None) | {"component": [fever]}
    assert _v1(engine, None, panel) != "not-appropriate"
    normal = observation("85353-1", None, None) | {
        "component": [fever | {"valueQuantity": {**fever["valueQuantity"], "value": 36.8}}]
    }
    assert _v1(engine, None, normal) == "not-appropriate"  # (control: a normal temperature)


# -- a re-review's (36) regressions: a word read as another may be a cue ------------------------------------------
@pytest.mark.parametrize(
    "reason",
    [
        "Neck pain for 2 weeks. n\u00f3 history of breast cancer",
        "Neck pain for 2 weeks, den\u00edes fever, on warfarin",
        "Neck pain for 2 weeks. m\u00f3ther: breast cancer? pt: metastatic breast cancer",
        "Neck pain for 2 weeks. with\u00f3ut hx of HIV",
        "Neck pain for 2 weeks. \uff4e\uff4f history of cancer",
    ],
)
def test_a_cue_read_from_a_look_alike_or_accented_word_is_doubt(engine, reason):
    assert _v1(engine, reason) != "not-appropriate", reason


def test_an_indication_in_a_sentence_read_from_look_alike_letters_is_uncertain(engine):
    def reason_alone(reason: str) -> str:  # (the order's reason is the only indication)
        return reason_outcome(engine, reason, "http://www.ama-assn.org/go/cpt|72141")[0]

    assert reason_alone(_full_width("neck pain x 2 weeks")) != "not-appropriate"
    assert reason_alone("n\u00e9ck pain x 2 weeks") != "not-appropriate"
    assert reason_alone("neck pain x 2 weeks. Pt from S\u00e3o Paulo") == "not-appropriate"  # (another sentence)
    assert reason_alone("neck pain x 2 weeks") == "not-appropriate"
