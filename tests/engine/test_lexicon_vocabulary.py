"""Words a vocabulary review found missing from lexicon.yaml (2026-12-04). Each phrase was read as nothing, so the
text was plain neck pain (V1) and the order warned, or a known cancer was missed and radiographs warned; read now,
it stops the warning (a red flag, an out-of-scope finding, an uncertain cancer or infection) or moves the variant.
The controls (the same sentence without the words, or with them denied or a relative's) still warn, so a word that
reads too much also fails here.

Probe orders: 72141 MRI without contrast is Usually Not Appropriate only in V1; 72040 radiographs in V4, V5, V6;
70498 CTA of the neck in V1 and V2.
"""

from __future__ import annotations

import pytest

from tests.text_cases import mentions, reason_outcome

MRI_WO, XR, CTA = "cpt|72141", "cpt|72040", "cpt|70498"
NECK_PAIN = "neck pain x 3 wks, "


def outcome(engine, reason: str, order: str = MRI_WO) -> tuple[str, list[int]]:
    return reason_outcome(engine, reason, order)


def test_the_probe_warns_without_the_words(engine):
    assert outcome(engine, NECK_PAIN.rstrip(", ")) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    ("words", "concept"),
    [
        # cancers and what only they are treated with (uncertain where the words have other meanings)
        ("lung adenoCA", "malignancy"),
        ("invasive ductal ca", "malignancy"),
        ("HPV+ tonsil ca", "malignancy"),
        ("Gleason 7", "malignancy"),
        ("metastaic breast ca", "malignancy"),
        ("on Verzenio", "malignancy"),
        ("MM on dara", "malignancy"),
        ("on tamoxifen", "malignancy"),
        ("on Lupron", "malignancy"),
        ("s/p mastectomy", "malignancy"),
        ("s/p neck dissection", "malignancy"),
        # out of scope: myelopathy, trauma, fracture
        ("CSM", "myelopathy"),
        ("DTRs 3+", "myelopathy"),
        ("Hoffmann+", "myelopathy"),
        ("cord flattening C5-6", "myelopathy"),
        ("OPLL", "myelopathy"),
        ("restrained driver", "neck-trauma"),
        ("car vs pedestrian", "neck-trauma"),
        ("M.V.C.", "neck-trauma"),
        ("broken neck", "spine-fracture"),
        # red flags
        ("PMH: osteoporosis, HTN", "fracture-risk"),
        ("T-score -3.1", "fracture-risk"),
        ("on Fosamax", "fracture-risk"),
        ("s/p kyphoplasty", "fracture-risk"),
        ("s/p OLT", "immunosuppression"),
        ("GVHD", "immunosuppression"),
        ("on Rituxan", "immunosuppression"),
        ("on OAC", "coagulopathy"),
        ("AC for PE", "coagulopathy"),
        ("on methadone", "injection-drug-use"),
        ("speedballing", "injection-drug-use"),
        ("saddle numbness", "neurologic-deficit"),
        ("+F/C", "fever"),
        ("T-max 39", "fever"),
        ("lost wt", "weight-loss"),
        ("ESR >100", "elevated-inflammatory-marker"),
        ("hsCRP 15", "elevated-inflammatory-marker"),
        ("nocturnal neck pain", "night-pain"),
        ("HLA-B27+", "inflammatory-arthritis"),
        ("sacroiliitis", "inflammatory-arthritis"),
        ("positive blood cultures", "spinal-infection-other-site"),
        ("epidural abcess", "infection"),
        ("on IV vanc", "infection"),
        ("osteo C5", "infection"),
        # possible prior surgery (it widens)
        ("s/p ADR C5-6", "prior-surgery-possible"),
        ("fused C5/6", "prior-surgery-possible"),
        ("adjacent segment disease", "prior-surgery-possible"),
        # out of scope or uncertain vascular causes
        ("after chiropractic manipulation", "vascular-cause"),
        ("Erb's palsy", "plexopathy"),
        ("supraclavicular LN", "neck-mass"),
        # ICD descriptors and review-of-systems words (a second review)
        ("Z79.52 Long term (current) use of systemic steroids", "fracture-risk"),
        ("G95.9 Disease of spinal cord, unspecified", "myelopathy"),
        ("Arthrodesis status", "prior-surgery-possible"),
        ("Inflammatory spondylopathy", "inflammatory-arthritis"),
        ("Personal history of irradiation", "malignancy"),
        ("Positive for enuresis", "neurologic-deficit"),
        ("decreased sensation L thumb and index finger", "radiculopathy"),
        # ICD titles, plain and UK wording (a tenth review)
        ("Dissection of vertebral artery [I77.74]", "vascular-cause"),
        ("Transient cerebral ischemic attack", "vascular-cause"),
        ("spinal epidural haematoma", "vascular-cause"),
        ("Elevated C-reactive protein (CRP) [R79.82]", "elevated-inflammatory-marker"),
        ("Coagulation defect, unspecified [D68.9]", "coagulopathy"),
        ("haemophiliac", "coagulopathy"),
        ("wrist drop", "neurologic-deficit"),
        ("weak L arm", "neurologic-deficit"),
        ("Reduced Power Left Arm", "neurologic-deficit"),
        ("MRC grade 4 L biceps", "neurologic-deficit"),
        ("walking unsteadily", "neurologic-deficit"),
        ("legs giving way", "neurologic-deficit"),
        ("after RTA", "neck-trauma"),
        ("came off motorbike", "neck-trauma"),
        ("swollen neck", "neck-mass"),
        ("lymph nodes palpable", "neck-mass"),
        ("referral for ?myeloma", "malignancy"),
        ("refer for weakness L arm", "neurologic-deficit"),
        ("carcinoma in situ cervix", "malignancy"),
        ("had an operation on his neck in 2015", "prior-surgery"),
        ("lost half a stone", "weight-loss"),
        ("Other infective spondylopathies, cervical region [M46.52]", "infection"),
        ("Arthropathic psoriasis [L40.50]", "inflammatory-arthritis"),
        ("Elevated white blood cell count [D72.829]", "elevated-inflammatory-marker"),
        ("peeing himself", "neurologic-deficit"),
        # the tenth review's words left (an eleventh session)
        ("can't lift arm", "neurologic-deficit"),
        ("cannot raise his R arm", "neurologic-deficit"),
        ("has been dropping his keys", "neurologic-deficit"),
        ("electric shocks down spine on neck flexion", "myelopathy"),
        ("bilateral hand numbness", "myelopathy"),
        ("numbness in both hands", "myelopathy"),
        ("N/T both arms", "myelopathy"),
        ("arms are numb", "myelopathy"),
        ("bilateral upper limb numbness", "myelopathy"),
        ("b/l upper limb paresthesias", "myelopathy"),
        ("pain into both hands", "myelopathy"),
        ("after RTC", "neck-trauma"),
        ("post shunt on M25", "neck-trauma"),
        ("since going over handlebars", "neck-trauma"),
        ("after heading a football", "neck-trauma"),
        ("haematoma on MRI", "vascular-cause"),
        ("wt ↓ 6 kg", "weight-loss"),
        ("15 lb down", "weight-loss"),
        ("lost 15lbs", "weight-loss"),
        ("dropped 20 pounds", "weight-loss"),
        ("has lost a lot of weight", "weight-loss"),
        ("clothes are loose", "weight-loss"),
        ("oedema of neck, swelling", "neck-mass"),
        ("NECK PAIN X 3 WKS. 4 METS", "malignancy"),
        # exam, lay and translated wording (an eleventh review)
        ("can't pee", "neurologic-deficit"),
        ("B/B sx +", "neurologic-deficit"),
        ("PVR 400", "neurologic-deficit"),
        ("R hand weaker than L", "neurologic-deficit"),
        ("finger abd weak", "neurologic-deficit"),
        ("Romberg: positive", "neurologic-deficit"),
        ("tandem: unable", "neurologic-deficit"),
        ("Heel-toe walk: unable", "neurologic-deficit"),
        ("incontinent", "neurologic-deficit"),
        ("walks with wide base", "neurologic-deficit"),
        ("tendency to trip over", "neurologic-deficit"),
        ("difficulty w/ buttons", "neurologic-deficit"),
        ("lost the force of the right arm", "neurologic-deficit"),
        ("loss of strength in right arm", "neurologic-deficit"),
        ("lost of control of urine", "neurologic-deficit"),
        ("Hoff +", "myelopathy"),
        ("pectoralis reflex +", "myelopathy"),
        ("inverted supinator reflex", "myelopathy"),
        ("#C6?", "spine-fracture"),
        ("?# C-spine", "spine-fracture"),
        ("hurt neck wrestling", "neck-trauma"),
        ("after wrestling meet 3 days ago", "neck-trauma"),
        ("temp spikes at night", "fever"),
        ("takes acenocoumarol (Sintrom)", "coagulopathy"),
        ("hx IVDU, relapsed last month", "injection-drug-use"),
        ("adenopathies cervical", "neck-mass"),
        ("ganglions palpable in neck", "neck-mass"),
        ("patient lose weight 6 kilo", "weight-loss"),
        ("pain nocturnal", "night-pain"),
    ],
)
def test_a_word_that_was_missing_is_read_and_stops_the_warning(engine, text_reader, words, concept):
    assert any(found == concept for found, _ in mentions(text_reader, words))
    assert outcome(engine, NECK_PAIN + words)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "words",
    [
        "neck and arm pain",
        "neck/arm pain",
        "neck, shoulder and R arm pain",
        "pain into R hand",
        "pain down to the R hand",
        "dysaesthesia R arm",
        "upper limb paraesthesiae",
        "numbness of the L upper limb",
        "ULTT positive",
        "positive ULTT on the left",
        "upper limb tension test positive",
        "N/T R arm",
        "pins/needles R arm",
        "L arm pain/numbness",
        "numbness/tingling: R arm",
        "Spurling ✓",
        "Spurling (+)",
        "+ve Spurling",
        "paresthesias C6 dist",
        "paresthesias: L C6",
        "radiating: yes, to R hand",
        "my right arm is numb",
        "+ foraminal compression test L",
        "Jackson compression +",
        "Bakody sign",
        "paresthesias in the superior member right",
        "irradiated to left upper limb",
        "the arm is sleeping (numb) on right",
    ],
)
def test_radicular_words_that_were_missing_make_radiculopathy(engine, text_reader, words):
    # (read as nothing, the text was plain neck pain, V1, where an MRI without contrast warns; V2 does not)
    assert "radiculopathy" in [concept for concept, _ in mentions(text_reader, words)]
    assert outcome(engine, NECK_PAIN + words) == ("appropriate", [2])


@pytest.mark.parametrize(
    "words",
    [
        "neck and shoulder pain",
        "tingling R hand",  # (a hand alone: maybe the carpal tunnel, held-out-2's decision)
        "lower limb paraesthesiae",
        "COVID test positive",
        "RTC 2 wks",  # (return to clinic)
        "VP shunt in situ",
        "can lift arm overhead",
        "no trouble dropping things",
        "achieved 7 METS",
        "no urinary retention",
        "Romberg negative",
        "reflexes 2+ and symmetric",
        "weight stable, 0 lb down",
        "wrestling fan",
        "VP shunt",
    ],
)
def test_words_beside_the_new_ones_still_warn(engine, words):
    assert outcome(engine, NECK_PAIN + words) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "words",
    [
        "Reflexes: 1+ R biceps, 2+ elsewhere",
        "biceps reflex 1+ R vs 2+ L",
        "Reflexes: R triceps absent",
        "DTR ↓ R brachioradialis",
    ],
)
def test_a_reduced_arm_reflex_may_be_a_root_s(engine, text_reader, words):
    # (uncertain radiculopathy: it widens to V2, where an MRI without contrast is not Usually Not Appropriate)
    assert ("radiculopathy", "uncertain") in mentions(text_reader, words)
    assert outcome(engine, NECK_PAIN + words)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "words", ["invasive ductal ca", "metastaic breast ca", "triple negative breast cancer", "cervix ca"]
)
def test_a_cancer_named_otherwise_makes_radiographs_usually_not_appropriate(engine, words):
    assert outcome(engine, NECK_PAIN + words, XR) == ("not-appropriate", [5])


@pytest.mark.parametrize(
    "words",
    [
        "on tamoxifen",
        "s/p mastectomy",
        "on Lupron",
        "MM moist",
        "Gleason 7",
        "Onc hx: see PMH",
        "on Verzenio",
        "FDG-avid",
        "lung adenoCA",
        "PDAC s/p Whipple",
        "spouse w/ PDAC",
        "PDAC risk low",
        "salivary Ca stone",
        "for staging",
        "lesion seen on xray",
    ],
)  # treatments and abbreviations with other meanings: uncertain, never a known cancer
def test_an_uncertain_cancer_word_never_makes_radiographs_warn(engine, words):
    assert outcome(engine, NECK_PAIN + words, XR)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "words",
    ["no tamoxifen", "mother on tamoxifen", "ESR > 20", "DTRs 2+", "T-score -1.8", "no restrained driver hx"],
)
def test_the_words_denied_a_relative_s_or_normal_still_warn(engine, words):
    assert outcome(engine, NECK_PAIN + words) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "words", ["pulsatile tinnitus", "after chiropractic manipulation", "sudden onset neck pain", "hEDS", "carotid web"]
)
def test_a_possible_vascular_cause_leaves_a_cta_unrated(engine, words):
    assert outcome(engine, NECK_PAIN + words, CTA)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "words", ["with occipital headaches", "occipital HA", "w/ daily headaches"]
)  # a possible cervicogenic headache widens to V6, where an MRI is not Usually Not Appropriate
def test_headaches_beside_neck_pain_widen_to_cervicogenic_headache(engine, words):
    got, variants = outcome(engine, NECK_PAIN + words)
    assert got != "not-appropriate"
    assert 6 in variants


def test_bowel_and_bladder_symptoms_are_no_b_symptoms(engine):
    assert outcome(
        engine, "neck pain x 4 wks. return precautions for fever, weakness, b/b sx reviewed", "cpt|72125"
    ) == (
        "not-appropriate",
        [1],
    )


@pytest.mark.parametrize(
    "words",
    [
        "Onc hx: N/A",
        "Ca hx: nil",
        "Onc hx: noncontributory",
        "discussed with Dara NP",
        "f/u Gleason 2 wks",
        "father w/ prostate ca, Gleason 8",
        "works in CAR-T unit",
        "met breast surgeon for benign cyst",
        "hx lobular ca in situ",
        "FHx breast ca (mother, on Verzenio)",
        "infusion nurse (abraxane, adriamycin)",
    ],
)
def test_words_with_other_meanings_never_make_a_known_cancer(engine, words):
    assert outcome(engine, NECK_PAIN + words, XR)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "words",
    [
        "PMH: non melanoma skin cancer",
        "PMH: non-melanoma skin ca",
        "PMH: skin malignancy removed 2019",
        "PMH: keratinocyte carcinoma",
        "Z85.828 Personal history of other malignant neoplasm of skin",
    ],
)
def test_a_skin_cancer_other_than_melanoma_is_no_cancer(engine, words):
    # (policy §3: C44 and Z85.828 are not malignancy here; "melanoma" inside them made V5, where radiographs warn)
    assert outcome(engine, NECK_PAIN + words, XR) == ("appropriate", [1])
    assert outcome(engine, NECK_PAIN + "PMH: melanoma", XR) == ("not-appropriate", [5])


@pytest.mark.parametrize(
    "words",
    [
        "hx of Ca oxalate nephrolithiasis",
        "known Ca pyrophosphate deposition disease",
        "hx of Ca channel blocker edema",
        "4 METS ON STRESS TEST",
        "exercise capacity 6 mets",
        "functional capacity: 4 METS",
    ],
)
def test_calcium_and_exercise_capacity_are_no_cancer(engine, words):
    assert outcome(engine, NECK_PAIN + words, XR) == ("appropriate", [1])


@pytest.mark.parametrize(
    "words", ["former NHL player", "Pt is an HCC coder", "works as CRC", "hx AML (angiomyolipoma)"]
)
def test_cancer_abbreviations_with_everyday_meanings_are_uncertain(engine, text_reader, words):
    assert ("malignancy", "uncertain") in mentions(text_reader, words)
    assert outcome(engine, NECK_PAIN + words, XR)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "words",
    ["and has tried PT", "RTC if worse", "blunt dissection of the plane", "referral for PT"],
)
def test_everyday_words_beside_the_new_ones_read_nothing_that_blocks(engine, words):
    # ("has" is no headache, "RTC" is return to clinic, a surgical dissection is no artery's)
    assert outcome(engine, NECK_PAIN + words) == ("not-appropriate", [1])
