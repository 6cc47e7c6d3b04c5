"""Vocabulary gaps a fresh-eyes tester found in lexicon.yaml (policy §3, §8, §10), each fixed as a class of words.

Every case runs through the engine (order text -> decision), like the text corpora: the outcome is the one the policy
gives for what the words mean. Negative controls are words that look like a concept and must not be read as one.
"""

from __future__ import annotations

import pytest

from tests.builders import condition, device, patient
from tests.text_cases import run_case

XR = "cpt|72040"  # radiographs: MBA in V1 / V7, UNA in V4 / V5
MRI_WO = "cpt|72141"  # MRI without contrast: UNA in V1, MBA in V2
MRI_WOW = "cpt|72156"  # MRI without and with contrast: UNA in V1
CT_WO = "cpt|72125"  # CT without contrast: UNA in V1 and V7
ACUTE = "2026-11-07"


def decide(engine, reason=None, order=XR, *, note=None, problems=None):
    case = {"id": "gap", "order": order, "reason": reason, "note": note, "problems": problems, "expect": {}}
    return run_case(engine, case).decision


def outcome(decision):
    return decision.outcome.value, [v.number for v in decision.variants]


def finding_ids(decision):
    return {f.id for f in decision.findings}


# -- 1. short abbreviations that are English words ------------------------------------------------------
@pytest.mark.parametrize(
    ("reason", "order", "expected"),
    [
        ("neck pain all day", XR, ("appropriate", [1, 7])),
        ("neck pain x 2 wks. ALL other systems reviewed.", XR, ("appropriate", [1])),
        ("neck pain x 2 wks, METs > 4", XR, ("appropriate", [1])),
        ("NECK PAIN X 2 WKS. METS > 4", XR, ("appropriate", [1])),
        ("neck pain x 2 wks, achieved 10 METS on treadmill", XR, ("appropriate", [1])),
        ("NECK PAIN X 2 WKS AS PER PT", MRI_WO, ("not-appropriate", [1])),
        ("NECK PAIN X 2 WKS, NO TRAUMA. AS NEEDED NSAIDS, AS WELL AS ICE", MRI_WO, ("not-appropriate", [1])),
        ("neck pain x 2 wks, SpO2 98% on RA", MRI_WO, ("not-appropriate", [1])),
        ("neck pain x 2 wks, wears hearing aids", MRI_WO, ("not-appropriate", [1])),
        ("neck pain x 2 wks, CVA tenderness on R", MRI_WO, ("not-appropriate", [1])),
    ],
)
def test_english_words_are_not_leukaemia_metastases_or_arthritis(engine, reason, order, expected):
    assert outcome(decide(engine, reason, order)) == expected


@pytest.mark.parametrize(
    "words",
    ["h/o ALL", "hx of ALL", "PMH: ALL", "ALL in remission", "B-ALL", "T-ALL", "pre-B ALL", "B-cell ALL",
     "acute lymphoblastic leukemia", "bone mets", "Mets to C5"],
)  # fmt: skip
def test_all_is_leukaemia_only_in_clear_context(engine, words):
    assert outcome(decide(engine, f"{words}, neck pain x 2 wks")) == ("not-appropriate", [5])


@pytest.mark.parametrize(
    "words", ["no h/o ALL", "no hx of ALL", "denies hx of ca", "family hx of ca", "FHx: ca", "no known history of ALL"]
)
def test_negated_or_family_history_of_all_or_ca_is_not_malignancy(engine, words):
    assert outcome(decide(engine, f"{words}. neck pain x 2 wks")) == ("appropriate", [1])


def test_rheumatoid_and_ankylosing_spondylitis_abbreviations_still_read(engine):
    for words in ("RA on methotrexate", "known AS", "AS, on humira", "PT WITH RA"):
        assert "inflammatory-arthritis" in finding_ids(decide(engine, f"neck pain x 2 wks; {words}", MRI_WO))


# -- 2. recent trauma ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "event",
    ["car wreck", "a wreck", "being thrown from horse", "head-on collision", "rear-end collision", "being rear-ended",
     "snowboarding crash", "motorcycle crash", "bike wreck", "ATV rollover", "being punched in a fight",
     "an altercation", "an assault", "hitting head on cabinet", "being hit by a baseball", "being struck by a door",
     "jumping into shallow pool", "diving into shallow pool", "falling off a ladder", "getting kicked by a horse"],
)  # fmt: skip
def test_recent_trauma_words(engine, event):
    decision = decide(engine, f"neck pain x 2 wks after {event} 3 days ago", MRI_WOW)
    assert outcome(decision) == ("no-criteria-apply", [])
    assert "neck-trauma" in finding_ids(decision)


def test_trauma_dated_long_ago_is_not_recent(engine):
    decision = decide(engine, "chronic neck pain since car wreck in 2015", MRI_WOW)
    assert outcome(decision) == ("not-appropriate", [7])


@pytest.mark.parametrize(
    "reason", ["neck pain x 2 wks, feels like a nervous wreck", "neck pain x 2 wks, jumping in pain"]
)
def test_words_like_trauma_that_are_not(engine, reason):
    assert outcome(decide(engine, reason, MRI_WOW)) == ("not-appropriate", [1])


# -- 3. malignancy ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "words",
    ["Ca breast", "ca prostate", "h/o ca prostate", "hx of ca", "ca of the lung", "stage IV ca",
     "cholangiocarcinoma", "osteosarcoma", "liposarcoma", "astrocytoma", "neuroblastoma", "glioblastoma", "thymoma",
     "seminoma", "mesothelioma", "chordoma", "DLBCL", "oncology pt", "SCC of tongue", "SCC of the larynx",
     "SCC of oropharynx", "tonsillar SCC", "lung SCC", "SCC of esophagus", "head and neck SCC", "on Keytruda",
     "pembrolizumab", "R-CHOP", "FOLFOX", "carboplatin/paclitaxel"],
)  # fmt: skip
def test_malignancy_words(engine, words):
    assert outcome(decide(engine, f"{words}, neck pain x 2 wks")) == ("not-appropriate", [5])


@pytest.mark.parametrize(
    "words",
    ["lipoma", "fibroma", "hemangioma", "osteoma", "schwannoma", "skin SCC", "SCC of the scalp",
     "cutaneous squamous cell carcinoma", "Ca 9.1", "METs > 4"],
)  # fmt: skip
def test_benign_tumours_and_skin_scc_are_not_malignancy(engine, words):
    assert outcome(decide(engine, f"{words}, neck pain x 2 wks")) == ("appropriate", [1])


@pytest.mark.parametrize("words", ["meningioma", "followed by oncology", "hx SCC", "SCC of the neck"])
def test_doubtful_malignancy_words_block(engine, words):
    # usually benign, not a diagnosis, or SCC without its site (skin SCC does not count, policy §3): no variant is
    # chosen from them, and no warning either
    assert outcome(decide(engine, f"{words}, neck pain x 2 wks")) == ("no-criteria-apply", [])


def test_generic_chemo_stays_a_red_flag(engine):
    # "chemo" is also given for lupus or vasculitis: immunosuppression (no rating), not a known malignancy
    decision = decide(engine, "neck pain x 2 wks, on chemo")
    assert outcome(decision) == ("no-criteria-apply", [])
    assert "immunosuppression" in finding_ids(decision)


# -- 4. spinal infection -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "words",
    ["vertebral osteo", "TB of spine", "TB of the cervical spine", "spinal TB", "Pott's disease", "Pott's",
     "osteo of C5"],
)  # fmt: skip
def test_spinal_infection_words(engine, words):
    assert outcome(decide(engine, f"{words}, neck pain x 2 wks")) == ("not-appropriate", [4])


@pytest.mark.parametrize(
    "words", ["hx of TB, treated", "Pott's fracture of the ankle in 2019", "cervical osteoarthritis"]
)
def test_words_like_spinal_infection_that_are_not(engine, words):
    decision = decide(engine, f"neck pain x 2 wks; {words}")
    assert "infection" not in finding_ids(decision)
    assert outcome(decision) == ("appropriate", [1])


# -- 5. red flags: values, injection drug use, night pain, long-term steroids ------------------------------
@pytest.mark.parametrize(
    ("words", "concept"),
    [
        ("INR 4.5", "coagulopathy"),
        ("INR: 3.2", "coagulopathy"),
        ("INR of 3", "coagulopathy"),
        ("INR>3", "coagulopathy"),
        ("platelets 20k", "coagulopathy"),
        ("plt 20", "coagulopathy"),
        ("plts 20,000", "coagulopathy"),
        ("platelet count of 35 K", "coagulopathy"),
        ("fentanyl injection use", "injection-drug-use"),
        ("IV fentanyl use", "injection-drug-use"),
        ("injects heroin", "injection-drug-use"),
        ("shooting up meth", "injection-drug-use"),
        ("track marks", "injection-drug-use"),
        ("pain wakes pt at night", "night-pain"),
        ("wakes him up at night", "night-pain"),
        ("pain awakens her from sleep", "night-pain"),
        ("prednisone 20 mg daily x 6 mo", "immunosuppression"),  # Z79.52 is listed in both; the words are here
        ("on prednisone for years", "immunosuppression"),
        ("steroids x 1 yr", "immunosuppression"),
    ],
)
def test_red_flag_words_and_values(engine, words, concept):
    decision = decide(engine, f"neck pain x 2 wks, {words}", MRI_WO)
    assert outcome(decision) == ("no-criteria-apply", [])
    assert concept in finding_ids(decision)


@pytest.mark.parametrize(
    "words",
    ["INR 2.5", "INR 1.1", "plt 150", "platelets 250k", "plt 150,000", "prednisone 40 mg daily x 5 days",
     "IV fentanyl given in ED", "wakes up with stiffness"],
)  # fmt: skip
def test_values_and_words_below_a_red_flag(engine, words):
    assert outcome(decide(engine, f"neck pain x 2 wks, {words}", MRI_WO)) == ("not-appropriate", [1])


# -- 6. vascular red flags (policy §10) ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "words",
    ["sudden severe headache", "sudden onset occipital headache", "thunderclap headache", "worst headache of life",
     "worst headache of my life", "worst HA of life", "word-finding difficulty", "trouble finding words",
     "transient arm numbness", "transient L arm weakness", "transient weakness", "facial droop", "slurred speech",
     "vision loss one eye", "curtain over her eye", "diplopia"],
)  # fmt: skip
def test_vascular_red_flags(engine, words):
    decision = decide(engine, f"neck pain x 2 wks, {words}", MRI_WO)
    assert outcome(decision) == ("no-criteria-apply", [])
    assert "vascular-cause" in finding_ids(decision)


# -- 7. neck mass ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "words",
    ["supraclavicular LAD", "cervical LAD", "L cervical chain LAD", "LAD in the neck", "parotid mass",
     "submandibular mass", "thyroid mass", "parotid tumor", "enlarged thyroid"],
)  # fmt: skip
def test_neck_mass_words(engine, words):
    decision = decide(engine, f"neck pain x 2 wks, {words}", MRI_WO)
    assert outcome(decision) == ("no-criteria-apply", [])
    assert "neck-mass" in finding_ids(decision)


def test_lad_the_coronary_artery_is_not_a_neck_mass(engine):
    assert outcome(decide(engine, "s/p LAD stent 2019. neck pain x 2 wks", MRI_WO)) == ("not-appropriate", [1])


# -- 8. radicular symptoms -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "words",
    ["sharp pains down R arm", "electric shocks down L arm", "burning pain L arm", "R arm burning",
     "numbness L 4th and 5th fingers", "tingling in R thumb and index finger", "4th and 5th finger numbness",
     "positive Spurling's on L", "Spurling's +", "(+) Spurling", "Spurling test positive on the R"],
)  # fmt: skip
def test_radicular_symptoms(engine, words):
    assert outcome(decide(engine, f"neck pain x 2 wks, {words}", MRI_WO)) == ("appropriate", [2])


@pytest.mark.parametrize(
    "words",
    ["negative Spurling's", "Spurling's negative", "no pain down the arm",
     # hand-only numbness / pins and needles: not radicular (policy §8 names dermatomal symptoms and radiation to
     # the arm; the corpora read "tingling R hand" and "R hand tingling, ? carpal tunnel" the same way)
     "numb L hand", "pins and needles in L hand"],
)  # fmt: skip
def test_not_radicular(engine, words):
    assert outcome(decide(engine, f"neck pain x 2 wks, {words}", MRI_WO)) == ("not-appropriate", [1])


def test_arm_symptoms_in_a_problem_list_entry_are_cervical(engine):
    decision = decide(engine, "neck pain x 2 wks", MRI_WO, problems=["Burning pain L arm"])
    assert outcome(decision) == ("appropriate", [2])


# -- 9. inverted problem-list indications ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["Pain, neck", "Pain - cervical spine", "Stiffness, neck"])
def test_inverted_problem_list_neck_pain(engine, text):
    assert outcome(decide(engine, problems=[text], order=CT_WO)) == ("not-appropriate", [1, 7])
    assert outcome(decide(engine, text, CT_WO)) == ("not-appropriate", [1, 7])


def test_a_list_ending_in_pain_before_a_neck_word_is_not_inverted(engine):
    decision = decide(engine, "arm pain, neck mass", MRI_WO)
    assert "neck-mass" in finding_ids(decision)
    assert outcome(decision) == ("no-criteria-apply", [])


# -- 10. MR-unsafe implants: Device names and words --------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["InterStim II", "Medtronic InterStim Micro", "Axonics r-SNM System", "SynchroMed II programmable pump",
     "Prometra II", "Nevro Senza HF10", "Inspire IV", "Intrathecal baclofen pump", "VNS Therapy AspireSR",
     "Sacral neuromodulation system", "HeartMate 3 LVAD", "Micra transcatheter pacing system"],
)  # fmt: skip
def test_mr_unsafe_implant_device_names(evaluate, name):
    chart = [patient(), condition("Z85.3"), condition("M54.12", onset=ACUTE), device(name)]
    d = evaluate(chart, "72040")
    assert {e.contraindication for e in d.exclusions} == {"mri-unsafe"}
    assert {e.procedure.id for e in d.exclusions} == {"mr-cspine-wow", "mr-cspine-wo"}


@pytest.mark.parametrize(
    "words",
    ["has InterStim II", "Medtronic InterStim", "Axonics sacral neuromodulator", "SynchroMed pump",
     "Nevro stimulator", "spinal cord stimulator", "VNS", "Inspire hypoglossal nerve stimulator", "baclofen pump",
     "intrathecal pain pump", "occipital nerve stim", "ICD in place"],
)  # fmt: skip
def test_mr_unsafe_implant_words(engine, words):
    d = decide(engine, f"chronic neck pain; {words}", CT_WO)
    assert outcome(d) == ("not-appropriate", [7])
    assert {e.contraindication for e in d.exclusions} == {"mri-unsafe"}


@pytest.mark.parametrize("words", ["TENS unit at home", "ICD-10 M54.2", "ICD 10: M54.2"])
def test_not_an_implant(engine, words):
    d = decide(engine, f"chronic neck pain; {words}", CT_WO)
    assert outcome(d) == ("not-appropriate", [7])
    assert not d.exclusions


def test_external_devices_are_not_implants(evaluate):
    chart = [patient(), condition("Z85.3"), condition("M54.12", onset=ACUTE), device("TENS unit")]
    assert not evaluate(chart, "72040").exclusions
