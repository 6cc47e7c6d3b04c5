"""Texts as EHR exports deliver them (a twelfth session, 2026-12-04): lines wrapped at a fixed width, rich-text markup,
Epic SmartList answers, runs of spaces; and answers the reader did not take ("Hx of cancer 0", "cancer history
unremarkable", "Hx cancer no"), a list going on past a field's separator ("Negative for: fever; cancer"), a steroid
taken since a date. Each made radiographs warn for a cancer read as stated (V5) or an MRI warn for plain neck pain
(V1) with the red flag or the radiculopathy missed. Controls beside them still warn.

Probe orders: 72040 radiographs are Usually Not Appropriate in V4, V5, V6; 72141 MRI without contrast only in V1.
"""

from __future__ import annotations

import pytest

from cds_service.engine.text.line_wraps import unwrapped
from cds_service.engine.text.markup import plain
from cds_service.engine.text.spacing import collapsed
from tests.text_cases import mentions
from tests.text_cases import reason_outcome as outcome

XR, MRI_WO = "cpt|72040", "cpt|72141"
NECK_PAIN = "Neck pain x 2 wks. "


# -- lines wrapped inside a sentence ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Patient denies fever, weight loss, night sweats,\nIVDU, or cancer.",
        "Patient denies fever, weight loss, night sweats,\r\nIVDU, or cancer.",
        "She denies any history of\ncancer or IV drug use.",
        "No fever, chills, weight loss or\nmalignancy.",
        "Pt is a 54 year old woman who denies fever, chills, weight loss or\nhistory of malignancy, IVDU or steroids.",
    ],
)
def test_a_denial_wrapped_onto_the_next_line_never_leaves_its_finding_stated(engine, text_reader, text):
    # (the line break ended the sentence: the cancer was read as stated and radiographs warned, V5)
    read = mentions(text_reader, text)
    assert ("malignancy", "affirmed") not in read and ("malignancy", "historical") not in read
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "Neck pain for 3 weeks and she has had unintentional weight\nloss of 10 kg over two months per her daughter.",
        "Neck pain x 3 weeks with pain radiating down into the right\narm and numbness of the thumb.",
        "Neck pain x 3 weeks. Known metastatic breast cancer with\nmets to bone.",
    ],
)
def test_a_finding_split_by_a_wrapped_line_is_read(engine, text):
    # (the finding's words were split: an MRI warned for plain neck pain, V1)
    assert outcome(engine, text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "Hx cancer: denies\nTriage ESI 3",  # a template's answer, then another field
        "Neck pain x 2 wks\nFever: no\nweight loss: no\nHx of breast cancer",  # fields, one per line
        "Neck pain x 2 wks. No fever\nhx of breast cancer 2015",  # a short line: its own statement
        "Neck pain x 2 wks. No fever.\nBreast cancer 2015.",
        "Neck pain x 2 wks, no fever\n- hx of breast cancer",  # a list item
        "Neck pain x 2 wks, denies fever\n  hx of breast cancer",  # an indented line
    ],
)
def test_lines_of_their_own_keep_their_break(engine, text_reader, text):
    # (joined, the denial would reach the cancer on the next line and an MRI would warn for it)
    assert ("malignancy", "negated") not in mentions(text_reader, text)
    assert outcome(engine, text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "Neck pain x 2 wks. Patient denies fever, weight loss, night sweats,\nIVDU, or cancer.",
        "Neck pain x 2 wks. She denies fever, chills, weight loss and\ncancer.",
        # (a fifteenth review: joined, the next line's statement was read as denied and an MRI warned, V1)
        "neck pain x 2 wks\nno radiation into arms, no weakness, no fever, no chills\nknown metastatic breast ca",
        "Neck pain x 2 wks. denies fever and\nbreast cancer dx 2019 on tamoxifen",
        "Neck pain x 2 wks. no fever, no chills, no night sweats, no weight loss\nivdu, last used last week",
    ],
)
def test_what_a_denial_reaches_past_a_wrapped_line_is_uncertain(engine, text_reader, text):
    # (a wrap, or the next line a statement of its own: neither denied nor stated)
    read = mentions(text_reader, text)
    assert not any(
        concept in ("malignancy", "injection-drug-use") and context != "uncertain" for concept, context in read
    )
    assert outcome(engine, text, MRI_WO)[0] != "not-appropriate" and outcome(engine, text, XR)[0] != "not-appropriate"


def test_a_denial_on_its_own_line_still_denies(engine):
    assert outcome(engine, "Neck pain x 2 wks.\nDenies fever, weight loss or cancer.\nPT x 2 wks.", MRI_WO) == (
        "not-appropriate",
        [1],
    )


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("denies fever or history of\ncancer", "denies fever or history of cancer"),
        ("denies fever, chills,\r\nor cancer", "denies fever, chills,  or cancer"),
        ("x" * 20 + "\nloss", "x" * 20 + " loss"),
        ("x" * 19 + "\nloss", "x" * 19 + "\nloss"),
        ("x" * 20 + "\nLoss", "x" * 20 + "\nLoss"),
        ("no fever\nof cancer", "no fever of cancer"),
        ("no fever.\nno cancer", "no fever.\nno cancer"),
        ("no fever,\nCancer: yes", "no fever,\nCancer: yes"),
        ("no fever or\n\ncancer", "no fever or\n\ncancer"),
        ("no fever or\n2) cancer", "no fever or\n2) cancer"),
    ],
)
def test_which_line_breaks_are_read_as_spaces(knowledge, text, read):
    joined_text, joined = unwrapped(text, knowledge.lexicon.line_wraps)
    assert joined_text == read and len(joined_text) == len(text)
    assert joined == {i for i, (a, b) in enumerate(zip(text, read, strict=True)) if a != b and a in "\r\n"} - {
        i + 1 for i, a in enumerate(text) if a == "\r"
    }


# -- markup and runs of spaces ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "<p>Neck pain x 2 wks</p><p>Hx: breast cancer</p>",
        "<div>Neck pain x 2 wks</div><div>PMH: lymphoma</div>",
        "Neck pain x 2 wks<br>Hx&nbsp;of&nbsp;lymphoma",
        "Neck pain x 2 wks.  Radiation:   right arm",
        'Neck pain x 2 wks {RADIATION:12345::"right arm"}',
        'Neck pain x 2 wks. Radiation: {RADIATION:12345::"left arm","left hand"}',
        "Neck pain x 2 wks.\tHx\tof\tlymphoma",
        "Neck pain x 2 wks. Unintentional weight  loss 10 kg",
    ],
)
def test_markup_and_padding_do_not_hide_a_finding(engine, text):
    # (the words glued to a tag or split by a run of spaces were not read: an MRI warned for plain neck pain, V1)
    assert outcome(engine, text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "Neck pain x 2 wks. Denies fever,&nbsp;weight loss&nbsp;or cancer",
        "Neck pain x 2 wks.  Denies  fever,  weight  loss  or  cancer",
        "<b>Neck pain</b> x 2 wks, <i>denies</i> fever or cancer",
    ],
)
def test_a_denial_in_markup_or_padding_still_denies(engine, text_reader, text):
    # (before, the markup broke the list: the cancer was read as stated and radiographs warned, V5)
    assert ("malignancy", "negated") in mentions(text_reader, text)
    assert outcome(engine, text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize("text", ['Hx cancer: {Yes/No:21212::"No"}', 'Malignancy {YES/NO:3344::"yes"}'])
def test_a_finding_a_smartlist_answers_is_uncertain(text_reader, text):
    assert mentions(text_reader, text) == [("malignancy", "uncertain")]


def test_markup_keeps_the_text_s_length_and_its_words():
    text = '<p>Hx:&nbsp;cancer &gt; 5 y</p> {RADIATION:12345::"right arm","left arm"} {NO:1}'
    read = plain(text)
    assert len(read) == len(text)
    assert read.split() == [
        "Hx:",
        "cancer",
        ">",
        "5",
        "y",
        "{RADIATION:",
        "right",
        "arm",
        "|",
        "left",
        "arm",
        "|",
        "{NO:1}",
    ]
    assert plain("neck pain <3 wks & fever &unknown;") == "neck pain <3 wks & fever &unknown;"


def test_a_run_of_spaces_is_one_and_the_mentions_keep_the_text_s_offsets(text_reader):
    text = "Neck  pain x 2 wks.   Hx   of   breast\tcancer    Bowel/bladder changes: No"
    read, origin, edges = collapsed(text)
    assert read == "Neck pain x 2 wks. Hx of breast cancer    Bowel/bladder changes: No"  # (a field's run stays)
    assert origin is not None and all(read[i] == text[origin[i]] or read[i] == " " for i in range(len(read)))
    found = text_reader.read(text)
    assert [text[m.start : m.end] for m in found] == ["Neck  pain", "cancer", "Bowel/bladder changes"]
    assert (
        found[0].quote(text) == "Neck pain x 2 wks."
        and found[0].times
        and text[found[0].times[0].start :].startswith("x 2")
    )
    assert edges == {18, 21, 24, 31}  # (the runs of three spaces and the tab: maybe a column's edge)
    assert collapsed("neck pain") == ("neck pain", None, frozenset())


# -- answers the reader does not take as denials --------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Hx of cancer 0",
        "cancer history unremarkable",
        "Cancer not.",
        "Cancer: not",
        "Hx cancer no",
        "Hx cancer nil.",
        "Hx cancer N",
        "Hx cancer - unremarkable",
        "Cancer history noncontributory",
        "malignancy: WNL",
    ],
)
def test_an_answer_not_read_as_a_denial_leaves_the_finding_uncertain(engine, text_reader, text):
    # (the finding was read as stated: radiographs warned, V5)
    assert mentions(text_reader, NECK_PAIN + text)[-1] == ("malignancy", "uncertain")
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["Hx cancer: no", "HIV negative", "fever absent", "Hx cancer: none known"])
def test_a_denial_the_reader_takes_still_denies(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text", ["Hx breast cancer no recurrence", "hx breast cancer no fever", "Hx of breast cancer 2015", "Hx lymphoma 1"]
)
def test_a_known_cancer_with_other_words_after_it_stays_known(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] == "not-appropriate"


def test_an_indication_with_an_answer_after_it_stays_told(engine):
    assert outcome(engine, "Neck pain x 2 wks - no radiation", MRI_WO) == ("not-appropriate", [1])


# -- a list going on past a field's separator -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Negative for: fever; cancer; IVDU",
        "Denies fever; weight loss; hx of cancer",
        "ROS negative for fever, chills | weight loss | cancer",
        "No fever • cancer",
    ],
)
def test_a_finding_a_denial_s_list_may_reach_past_a_separator_is_uncertain(engine, text_reader, text):
    assert ("malignancy", "uncertain") in mentions(text_reader, NECK_PAIN + text)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text", ["Denies fever; hx of breast cancer s/p mastectomy 2019", "no fever; she has metastatic prostate ca"]
)
def test_a_statement_after_a_separator_stays_a_statement(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] == "not-appropriate"


def test_an_indication_after_a_denial_s_separator_stays_told(engine):
    assert outcome(engine, "no fever; neck pain x 2 wks", MRI_WO) == ("not-appropriate", [1])


# -- a letter's sign-off after an indication's denial ---------------------------------------------------------------
@pytest.mark.parametrize("text", ["cervicogenic HA: no Yours sincerely", "Cervicogenic headache - no Thank you"])
def test_an_indication_denied_before_a_capital_is_not_told(engine, text):
    # (the denial went on, so the headache stayed told: radiographs warned, V6)
    assert outcome(engine, text, XR)[0] != "not-appropriate"


# -- a steroid since a date ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "prednisone 40 daily since March",
        "on prednisone since last year",
        "dexamethasone 4 mg bid since 10/2",
        "pred since the summer",
        "prednisone 10 mg since 2024",
    ],
)
def test_a_steroid_taken_since_a_date_is_uncertain_immunosuppression(engine, text_reader, text):
    # (a duration by date was not read: an MRI warned for plain neck pain, V1)
    assert ("immunosuppression", "uncertain") in mentions(text_reader, NECK_PAIN + text)
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text", ["tried prednisone taper", "medrol dosepak last month", "prednisone 40 mg daily x 5 days"]
)
def test_a_steroid_course_still_warns(engine, text):
    # (a short taper for neck pain is common; a steroid taken now for a time not told, "on prednisone", is an uncertain
    # immunosuppression since the fourteenth session: test_review21_text.py)
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])


# -- a fifteenth review of the above: what the exports' reading must not deny ---------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        'Neck pain x 2 wks. {Radiation:1234::"no"} hx of lymphoma',  # (a SmartList's answer ends at its brace)
        'Neck pain x 2 wks. {Denies:44::"fever","chills"} IVDU',
        "Neck pain x 2 wks. No weakness&#124; breast ca 2019 on tamoxifen",
        "Neck pain x 2 wks. No fever| breast ca 2019 on tamoxifen",  # (a bar glued to the word before)
        "Neck pain x 2 wks. Denies trauma&ndash; breast ca 2019 on tamoxifen",
        "Neck pain x 2 wks. No fever&nbsp;&nbsp;known metastatic breast ca",  # (no-break spaces padding a column)
        "Neck pain x 2 wks. Neg for fever, chills\\tab lung ca s/p lobectomy 2021",  # (RTF's tab)
        "<table><tr><td>Neck pain x 2 wks, no fever</td><td>lung ca s/p lobectomy 2021</td></tr></table>",
        "{\\rtf1\\ansi neck pain x 3 wks\\par No fever\\tab Breast cancer 2015\\par}",
        "Neck pain x 2 wks. No fever\tbreast cancer 2015",
        "Neck pain x 2 wks. Denies fever&gt; breast ca 2019 on tamoxifen",  # (a decoded ">": a field's end)
    ],
)
def test_a_denial_does_not_reach_past_a_field_s_or_a_column_s_edge(engine, text_reader, text):
    # (each was read as denied: an MRI warned for plain neck pain, V1)
    assert ("malignancy", "negated") not in mentions(text_reader, text)
    assert outcome(engine, text, MRI_WO)[0] != "not-appropriate"


# -- a sixteenth review: blocks, SmartList answers, a wrap inside a finding, Windows line ends -------------------------
@pytest.mark.parametrize(
    "text",
    [
        "<p>Neck pain x 3 months</p><p>Denies:</p><ul><li>fever</li><li>hx of cancer</li></ul>",
        "<p>Neck pain x 3 wks</p>\n<p>ROS negative for:</p>\n<ul>\n  <li>fever</li>\n  <li>malignancy</li>\n</ul>",
        "{\\rtf1\\ansi Neck pain x 3 wks\\par\r\nDenies:\\par\r\n- fever\\par\r\n- hx of cancer\\par}",
        "Neck pain x 3 wks.\r\nDenies:\r\n- fever\r\n- cancer",
        "<p>Neck pain x 6 months</p><p>Red flags (all absent):</p><ul><li>fever</li><li>IV drug use</li>"
        "<li>cancer</li></ul>",
        "<p>Neck pain x 10 days</p><p>Pertinent negatives:</p><p>fever</p><p>history of breast cancer</p>",
        "<p>Neck pain x 3 months</p><div>Review of systems: negative for</div><ol><li>fever</li>"
        "<li>hx malignancy</li></ol>",
    ],
)
def test_the_items_under_a_denial_s_heading_in_blocks_or_windows_lines_are_never_stated(engine, text_reader, text):
    # (block tags left three line breaks in a row, one sentence for the heading and the first item: the rest were
    # read as stated, and radiographs warned for the cancer, V5)
    assert not any(c == "malignancy" and ctx in ("affirmed", "historical") for c, ctx in mentions(text_reader, text))
    assert outcome(engine, text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        'Neck pain x 2 wks. {NEURO:6677::"no saddle anesthesia","new urinary incontinence"}',
        "Neck pain for 3 weeks, no fever or weight loss, no trauma, new urinary\nincontinence, failed conservative "
        "management with NSAIDs and physical\ntherapy.",
        "Neck pain for 3 weeks, no fever or chills, no weight loss, known multiple\nmyeloma on lenalidomide.",
    ],
)
def test_a_denial_does_not_reach_another_smartlist_answer_or_across_a_wrap_inside_a_finding(engine, text):
    # (the incontinence or the myeloma was read as denied: an MRI warned for plain neck pain, V1)
    assert outcome(engine, text, MRI_WO)[0] != "not-appropriate"


def test_blank_lines_and_windows_line_ends_are_read_as_written(text_reader):
    read = collapsed("a\r\nb\n\n\n\nc")
    assert read.text == "a\nb\n\nc" and read.origin == [0, 2, 3, 4, 7, 8, 9]
    text = "Neck pain x 3 wks\r\n\r\n\r\nHx of breast cancer"
    found = text_reader.read(text)
    assert [text[m.start : m.end] for m in found] == ["Neck pain", "cancer"]


# -- a seventeenth review: Windows lines wrapped before a joining word, a heading joined to its first item -----------
@pytest.mark.parametrize(
    "text",
    [
        "Neck pain x 3 wks. Pt denies fever, hx\r\nof cancer.",
        "Neck pain x 3 wks. Pt denies bowel\r\nor bladder changes or hx of cancer.",
        "Neck pain x 3 wks. Pt denies saddle\nor perineal numbness or hx of cancer.",
        "Neck pain x 3 wks\nReview of systems: negative for\nfever\nhistory of cancer",
        "Neck pain x 3 wks\nROS: Negative for\nFever\nWeight loss\nHistory of cancer",
    ],
)
def test_a_denial_wrapped_before_a_joining_word_or_a_heading_joined_to_its_first_item_never_states(
    engine, text_reader, text
):
    assert not any(c == "malignancy" and ctx in ("affirmed", "historical") for c, ctx in mentions(text_reader, text))
    assert outcome(engine, text, XR)[0] != "not-appropriate"
