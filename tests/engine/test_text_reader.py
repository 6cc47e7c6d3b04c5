"""Policy §8: words become the same concepts as codes, each with its context (ConText rules and this service's own)."""

from __future__ import annotations

from datetime import date

import pytest

from cds_service.engine.chart import concept_text
from cds_service.engine.text import TextReader
from cds_service.knowledge.model import Context

ORDER_DATE = date(2026, 11, 21)


@pytest.fixture(scope="module")
def reader(knowledge):
    return TextReader(knowledge)


def read(reader, text, problem_list=False):
    return [(m.concept, m.context.value) for m in reader.read(text, problem_list)]


def days(reader, text, concept):
    (mention,) = [m for m in reader.read(text) if m.concept == concept]
    return [n.days_before(ORDER_DATE) or n.classes for n in mention.times]


# -- §8 contexts -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("neck pain radiating to L arm x3 wks", [("neck-pain", "affirmed"), ("radiculopathy", "affirmed")]),
        ("no radiculopathy", [("radiculopathy", "negated")]),
        ("denies arm numbness", [("radiculopathy", "negated")]),
        ("neg for trauma", [("neck-trauma", "negated")]),
        ("w/o fever", [("fever", "negated")]),
        (
            "pt denies fever, chills, night sweats or weight loss",
            [("fever", "negated"), ("fever", "negated"), ("weight-loss", "negated"), ("weight-loss", "negated")],
        ),
        ("no fever/chills, no wt loss", [("fever", "negated"), ("weight-loss", "negated")]),
    ],
)
def test_policy_8_affirmed_and_negated(reader, text, expected):
    assert read(reader, text) == expected


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("r/o radiculopathy", "radiculopathy"),
        ("? myelopathy", "myelopathy"),
        ("possible cord compression", "myelopathy"),
        ("concern for discitis", "infection"),
        ("eval for fracture", "spine-fracture"),
        ("epidural abscess?? neck pain", "infection"),
        ("cannot exclude mets", "malignancy"),
        ("suspicious lytic lesion", "malignancy"),  # hedged words: uncertain at best
    ],
)
def test_policy_8_uncertain(reader, text, concept):
    assert (concept, "uncertain") in read(reader, text)


def test_policy_8_a_question_mark_against_a_word_questions_only_that_word(reader):
    assert read(reader, "epidural abscess?? neck pain") == [("infection", "uncertain"), ("neck-pain", "affirmed")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("return if weakness", [("neurologic-deficit", "hypothetical")]),
        ("call if fever, neck pain", [("fever", "hypothetical"), ("neck-pain", "affirmed")]),
        (
            "Return precautions: worsening numbness, weakness, fever.",
            [("neurologic-deficit", "hypothetical"), ("fever", "hypothetical")],
        ),
    ],
)
def test_policy_8_hypothetical_is_read_like_a_negation(reader, text, expected):
    assert read(reader, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mother with breast ca", [("malignancy", "family")]),
        ("FHx: RA (mother), AS (uncle)", [("inflammatory-arthritis", "family"), ("inflammatory-arthritis", "family")]),
        ("fam hx colon ca; neck pain x 5 mo", [("malignancy", "family"), ("neck-pain", "affirmed")]),
    ],
)
def test_policy_8_family(reader, text, expected):
    assert read(reader, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hx breast ca", [("malignancy", "historical")]),
        ("h/o IVDU", [("injection-drug-use", "historical")]),
        ("s/p ACDF C5-6", [("prior-surgery", "historical")]),
        ("remote hx of MVC", [("neck-trauma", "historical")]),
    ],
)
def test_policy_8_historical(reader, text, expected):
    assert read(reader, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ConText's scope stops at a comma for history: the neck pain is current
        ("hx breast ca, new neck pain", [("malignancy", "historical"), ("neck-pain", "affirmed")]),
        ("s/p ACDF C5-6, neck pain x 3 wks", [("prior-surgery", "historical"), ("neck-pain", "affirmed")]),
        # a negation runs through a list, but not into another kind of mention after a comma
        ("no trauma, neck pain x3 wks", [("neck-trauma", "negated"), ("neck-pain", "affirmed")]),
        # of two cues with words between them, the later one applies; a history reached after a comma in a negation's
        # list may be one more item denied ("Negative for fever, weight loss, hx of cancer"): uncertain, not history
        ("no fever, hx breast ca", [("fever", "negated"), ("malignancy", "uncertain")]),
        ("hx breast ca. no fever", [("malignancy", "historical"), ("fever", "negated")]),
        (  # (a pseudarthrosis is a fusion's: a possible prior surgery, and what is evaluated for: uncertain)
            "eval for pseudarthrosis s/p C5-6 ACDF",
            [("prior-surgery-possible", "uncertain"), ("prior-surgery", "historical")],
        ),
        # adjacent cues both apply
        ("? prior neck surgery", [("prior-surgery", "uncertain")]),
        ("no prior fracture", [("spine-fracture", "negated")]),
    ],
)
def test_policy_8_cue_scopes(reader, text, expected):
    assert read(reader, text) == expected


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("hx of neck pain, flare x 1 wk", "affirmed"),
        ("remote hx of cervical radiculopathy, still with arm tingling", "affirmed"),
        ("h/o C6 radiculopathy 2020, resolved; now neck pain x 1 mo", "historical"),
        ("Hx neck pain, worse since Monday", "affirmed"),
        ("hx neck pain.", "historical"),
        ("Hx of neck pain - flare x 1 wk", "affirmed"),
        ("h/o neck pain, now with continued pain x 3 mo", "affirmed"),
        ("hx neck pain, still present", "affirmed"),
        ("Hx radiculopathy, persistent numbness L hand", "affirmed"),
        ("h/o recurrent neck pain", "affirmed"),
        ("hx of C7 radiculopathy still bothering him", "affirmed"),
    ],
)
def test_policy_8_history_still_described_as_present_is_current(reader, text, context):
    assert read(reader, text)[0][1] == context


@pytest.mark.parametrize(
    "text",
    [
        "History of neck pain. Pain still there.",  # maybe the neck pain
        "Hx neck pain. Cough worse.",  # something else
        "Hx neck pain\nstill hurts",  # a line break ends a sentence
        "hx neck pain; fever again today",  # another clause of the sentence
        "PMH: cervical radiculopathy. Knee pain persists despite PT.",
        "Remote h/o neck pain. " + "Routine follow-up, medications reviewed. " * 40 + "Continues PT for the knee.",
        # beside it, but about something else, or denied
        "PMH: neck pain, HTN, recurrent UTIs",
        "PMH: HTN, DM2, hx cervical radiculopathy, persistent cough",
        "Hx neck pain, knee pain worse",
        "Knee pain persists despite PT, hx of neck pain",
        "Hx neck pain 2015, still smoking",
        "hx of neck pain and still on lisinopril",
        "hx neck pain, still febrile",
        "hx of neck pain, no recurrence since 2019",
        "h/o neck pain resolved, not recurred",
        "hx neck pain, no longer persistent",
        "h/o radiculopathy, no recurrent symptoms",
        "hx neck pain, reflux worse at night",
        "hx of neck pain without recurrence",
        "hx neck pain not worse since 2019",
    ],
)
def test_policy_8_a_present_word_outside_a_historys_clause_leaves_it_uncertain(reader, text):
    """A "still" or "worse" in another clause may or may not be about the history: neither current nor history."""
    (indication,) = [(c, ctx) for c, ctx in read(reader, text) if c in ("neck-pain", "radiculopathy")]
    assert indication[1] == "uncertain"


@pytest.mark.parametrize(
    ("text", "trauma"),
    [
        ("Neck pain x 3 wks, got worse", False),
        ("Took ibuprofen x 3 days", False),
        ("still gets headaches", False),
        ("Got a new pillow", False),
        ("getting better", False),
        ("took a hit playing football", True),
        ("got hit in the head", True),
        ("got checked into the boards", True),
        ("got tackled at practice", True),
        ("tackled at rugby", True),
    ],
)
def test_got_and_took_are_a_trauma_only_with_a_hit(reader, text, trauma):
    assert (("neck-trauma", "affirmed") in read(reader, text)) is trauma


def test_policy_8_a_drug_after_a_history_cue_is_current(reader):
    assert ("coagulopathy", "affirmed") in read(reader, "PMH DVT on xarelto")
    assert ("coagulopathy", "negated") in read(reader, "not on anticoagulation")


# -- clinician shorthand, misspellings, concept families ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("cervicalgia", "neck-pain"),
        ("cervicalga", "neck-pain"),
        ("C5-6 HNP", "neck-pain"),
        ("DDD", "neck-pain"),
        ("neck pn", "neck-pain"),
        ("pinched nerve", "radiculopathy"),
        ("tingling into thumb", "radiculopathy"),
        ("LUE paresthesias", "radiculopathy"),
        ("numbness in R arm", "radiculopathy"),
        ("C6 distribution", "radiculopathy"),
        ("R C7 radic", "radiculopathy"),
        ("radiculapathy", "radiculopathy"),
        ("rad to L arm", "radiculopathy"),
        ("shooting pain down L arm to the fingers", "radiculopathy"),
        ("cervicogenic HA", "cervicogenic-headache"),
        ("h/o breast ca", "malignancy"),
        ("NSCLC", "malignancy"),
        ("osteomylitis", "infection"),
        ("IVDU", "injection-drug-use"),
        ("HIV+", "immunosuppression"),
        ("on Eliquis", "coagulopathy"),
        ("RA", "inflammatory-arthritis"),
        ("night sweats", "weight-loss"),
        ("pain worse at night", "night-pain"),
        ("bowel/bladder changes", "neurologic-deficit"),
        ("wide-based gait", "neurologic-deficit"),
        ("s/p MVC", "neck-trauma"),
        ("hit head diving into pool", "neck-trauma"),
        ("slipped on ice", "neck-trauma"),
        ("Hoffmann positive", "myelopathy"),
        ("tender lump R side of neck", "neck-mass"),
        ("parsonage-turner", "plexopathy"),
        ("s/p ACDF", "prior-surgery"),
        ("prior C-spine laminectomy", "prior-surgery"),
        ("s/p fusion", "prior-surgery-possible"),
        ("TIA last week", "vascular-cause"),
        ("transient R vision loss", "vascular-cause"),
        ("pacemaker", "mri-unsafe"),
        ("deep brain stimulator", "mri-unsafe"),
        ("allergic to gadolinium", "gadolinium-contraindicated"),
        ("ESRD on HD", "gadolinium-contraindicated"),
        ("IV dye allergy", "contrast-allergy-unspecified"),  # a dye names no agent (a twenty-ninth review)
    ],
)
def test_policy_8_concept_words_abbreviations_and_misspellings(reader, text, concept):
    assert concept in {c for c, _ in read(reader, text)}


@pytest.mark.parametrize(
    "text",
    [
        "lumbar radiculopathy",
        "low back pain",
        "sciatica",
        "s/p epidural steroid injection",
        "fall risk",
        "L arm pain",
        "R hand tingling",
        "hx basal cell carcinoma",
        "no red flags",
        "prednisone taper",
    ],
)
def test_policy_8_words_that_look_like_a_concept_but_are_not(reader, text):
    assert not [c for c, ctx in read(reader, text) if ctx == "affirmed"]


def test_policy_8_region_agnostic_words_in_a_problem_list_need_the_neck_named(reader):
    # an indication that names no region may be the neck's: uncertain (it widens); another site's is not read
    assert read(reader, "Radiculopathy", problem_list=True) == [("radiculopathy", "uncertain")]
    assert read(reader, "Lumbar radiculopathy", problem_list=True) == []
    assert read(reader, "Radiculopathy, cervical region", problem_list=True) == [("radiculopathy", "affirmed")]
    assert read(reader, "Radiculopathy") == [("radiculopathy", "affirmed")]  # the order's own words


# -- values written in words (policy §2 thresholds) -----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T 38.5", [("fever", "affirmed")]),
        ("temp 101.8", [("fever", "affirmed")]),
        ("T 37.2", []),
        ("T 38.0", [("fever", "uncertain")]),  # at the threshold: borderline
        ("fever 99.1", [("fever", "uncertain")]),  # the word and the value disagree
        ("CRP 94", [("elevated-inflammatory-marker", "affirmed")]),
        ("CRP 1.4 mg/dL", [("elevated-inflammatory-marker", "affirmed")]),
        ("ESR 70 mm/hr", [("elevated-inflammatory-marker", "affirmed")]),
        ("WBC 15,200", [("elevated-inflammatory-marker", "affirmed")]),
        ("WBC 7.1", []),
    ],
)
def test_policy_2_values_written_in_words(reader, text, expected):
    assert read(reader, text) == expected


# -- durations (policy §8) ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("neck pain x3 wks", [(21, 21)]),
        ("neck pain x 2 mo", [(60, 60)]),
        ("neck pain for 4 months", [(121, 121)]),
        ("6-week history of neck pain", [(42, 42)]),
        ("neck pain since August", [(82, 112)]),
        ("neck pain since 2024", [(690, 1055)]),
        ("neck pain since 11/1", [(20, 314)]),  # 1 November or 11 January: either way round
        ("neck pain since 11/25", [(361, 361)]),  # (the 25th cannot be a month)
        ("neck pain 5 days ago", [(5, 5)]),
        ("neck pain since Monday", [(0, 7)]),
        ("chronic neck pain", [frozenset({"chronic"})]),
        ("new neck pain", [frozenset({"acute"})]),
        ("subacute neck pain", [(42, 84)]),  # 6-12 weeks: both variants (policy §8)
        ("45 year old with neck pain", []),  # an age is not a duration
    ],
)
def test_policy_8_durations_from_text(reader, text, expected):
    assert days(reader, text, "neck-pain") == expected


def test_policy_8_a_duration_belongs_to_its_clause(reader):
    assert days(reader, "hx IVDU, sober 10 yrs; neck pain x 2 wk", "neck-pain") == [(14, 14)]


def test_policy_8_indications_of_a_clause_share_their_duration(reader):
    assert days(reader, "neck pain radiating to L arm x3 wks", "neck-pain") == [(21, 21)]


def test_policy_8_a_trauma_date_is_read_for_recency(reader):
    (mvc,) = [m for m in reader.read("neck pain, MVC 2019") if m.concept == "neck-trauma"]
    assert mvc.times[0].days_before(ORDER_DATE)[0] > 42


def test_the_same_text_is_read_once(reader):
    first = reader.read("neck pain x 3 wks, no trauma")
    assert reader.read("neck pain x 3 wks, no trauma") is first


def test_every_mention_keeps_its_offsets_and_quote(reader):
    text = "Pt w/ neck pain radiating to L arm x3 wks, no trauma. hx breast ca"
    mentions = reader.read(text)
    for m in mentions:
        assert text[m.start : m.end].lower() in m.quote(text).lower()
    assert {m.context for m in mentions} >= {Context.AFFIRMED, Context.NEGATED, Context.HISTORICAL}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ({"text": "Cervical radiculopathy", "coding": [{"code": "x", "display": "Cervical radiculopathy"}]}, 1),
        ({"text": "cervical radiculopathy ", "coding": [{"code": "x", "display": "Cervical Radiculopathy"}]}, 1),
        ({"coding": [{"code": "x", "display": "Neck pain"}, {"code": "y", "display": "neck pain"}]}, 1),
        ({"text": "Neck pain", "coding": [{"code": "x", "display": "Cervicalgia"}]}, 2),
    ],
)
def test_a_display_that_repeats_the_text_is_read_and_quoted_once(reader, code, expected):
    """The words of a CodeableConcept are its text and its codings' displays, each different one once: the card
    quotes "Radiculopathy, cervical region", not the same words twice, and finds one mention, not two."""
    text = concept_text(code)
    assert len([m for m in reader.read(text, True) if m.concept]) == expected
    assert text.casefold().count(text.split()[0].casefold()) == 1
