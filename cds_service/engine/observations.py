"""Interpret a lab or vital-sign Observation against its rule: UCUM units, flags, reference range (policy §2, §10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.quantity import Quantity

from cds_service.engine.dates import DayRange, first_day, plausible
from cds_service.engine.text.characters import searchable
from cds_service.knowledge.model import Knowledge, ObservationRule, UnitConversion

UCUM = "http://unitsofmeasure.org"
Valued = Observation | ObservationComponent  # what holds a value: an Observation, or its component


class Level(StrEnum):
    """What an Observation says about its rule's threshold."""

    BEYOND = "beyond"  # past the policy's threshold or the lab's upper reference limit
    WITHIN = "within"
    BORDERLINE = "borderline"  # at the threshold, or flagged without a value past it: may block, never enable
    UNREADABLE = "unreadable"  # a value given as a string, or in a unit that cannot be converted


@dataclass(frozen=True)
class Reading:
    level: Level
    note: str
    day: str
    value: float | None = None  # the value in the rule's unit, where one was read as it is (no bound, no flag)


def observation_day_range(obs: Observation) -> DayRange | None:
    """The day an Observation refers to: effective[x], else issued; None for a period with a start and no end (it
    goes on: the value may be of any day since, today's too)."""
    period = obs.effectivePeriod
    if period is not None and period.start is not None and period.end is None:
        return None
    end = (period.end or period.start) if period else None
    return first_day(obs.effectiveDateTime, obs.effectiveInstant, end, obs.issued)


def read_observation(obs: Observation, rule: ObservationRule, order_date: date, k: Knowledge) -> Reading | None:
    """The reading of an Observation inside the rule's look-back window; None if it does not count. One without a
    usable date (none, in the future, a sentinel) may be recent: a value past the threshold is borderline, so it may
    block or remove a suggestion, never enable a warning (policy §10: impossible dates are unknown dates)."""
    day = plausible(observation_day_range(obs), order_date)
    if day is not None and day.latest < order_date - timedelta(days=rule.lookback_days):
        return None
    when = str(day) if day else "date unknown"
    reading = _read_with_components(obs, rule, k, when) if obs.component else _read_value(obs, rule, k, when)
    if reading is None or reading.level is not Level.BEYOND:
        return reading
    if obs.focus:  # (about another subject than the patient's own body: a donor, a fetus, a device)
        doubt = "about its focus, not the patient"
    elif _flagged_in(obs, k.normal_interpretations, k.normal_interpretation_words):
        doubt = "flagged normal"
    elif day is None:
        doubt = "no usable date"
    else:
        return reading
    return Reading(Level.BORDERLINE, f"{reading.note}, {doubt}", reading.day)


# value[x] choices other than a Quantity or a string: a lab result so sent (an integer with no unit, a range, a ratio,
# a coded "Positive") cannot be set against a threshold; it is unreadable, never absent (a twenty-sixth review)
_OTHER_VALUES = (
    "valueInteger",
    "valueRange",
    "valueRatio",
    "valueCodeableConcept",
    "valueBoolean",
    "valueSampledData",
    "valueTime",
    "valueDateTime",
    "valuePeriod",
)


def _own_value(obs: Observation) -> bool:
    """Whether the Observation has a value[x] of its own."""
    return any(getattr(obs, name) is not None for name in ("valueQuantity", "valueString", *_OTHER_VALUES))


def _read_with_components(obs: Observation, rule: ObservationRule, k: Knowledge, when: str) -> Reading | None:
    """The reading of an Observation with components (a panel's result sent inside it: an eGFR as the component of
    the eGFR Observation; a thirty-third review): its own value and the components coded as the rule's test. With
    none, an Observation without a value of its own is unreadable; values that disagree (an "African American" 35
    and a "non-African American" 24, two WBCs, its own 80 beside a component's 12), an Observation that says its value
    is absent beside them, or a flag of its own they do not bear out are borderline (a thirty-fourth review: the first
    one alone was read)."""
    loinc = k.systems["loinc"]
    coded = [
        c
        for c in obs.component or ()
        if any(k.systems.by_uri(x.system) is loinc and x.code in rule.loinc for x in c.code.coding or ())
    ]
    own = _own_value(obs)
    if not coded:
        if own:
            return _read_value(obs, rule, k, when)
        return Reading(Level.UNREADABLE, "no value of its own, and no component coded as this test", when)
    if obs.dataAbsentReason is not None:
        return Reading(Level.BORDERLINE, "its value said to be absent, beside components that give one", when)
    readings = [r for r in (_read_value(v, rule, k, when) for v in ([obs] if own else []) + coded) if r is not None]
    if len({r.level for r in readings}) > 1:
        notes = "; ".join(r.note for r in readings)
        return Reading(Level.BORDERLINE, f"values that disagree ({notes})", when)
    flagged = (rule.flags_count and _flagged(obs, k)) or (
        rule.low_flags_count and _flagged_in(obs, k.low_interpretations, k.low_interpretation_words)
    )
    if flagged and (not readings or readings[0].level is Level.WITHIN):
        return Reading(Level.BORDERLINE, "flagged, and its value is not past the threshold", when)
    return readings[0] if readings else None


def _read_value(obs: Valued, rule: ObservationRule, k: Knowledge, when: str) -> Reading | None:
    """An Observation's (or its component's) value against the rule's threshold (`when`: its day, as the card shows
    it)."""
    flagged = rule.flags_count and _flagged(obs, k)
    quantity = obs.valueQuantity
    if quantity is None or quantity.value is None:
        if obs.valueString is not None:
            return Reading(Level.UNREADABLE, f"value {obs.valueString!r} is not a number", when)
        if other := next((name for name in _OTHER_VALUES if getattr(obs, name) is not None), None):
            return Reading(Level.UNREADABLE, f"value given as {other}, not a quantity with its unit", when)
        if flagged:
            return Reading(Level.BORDERLINE, "flagged abnormal high, no value", when)
        if rule.low_flags_count and _flagged_in(obs, k.low_interpretations, k.low_interpretation_words):
            return Reading(Level.BORDERLINE, "flagged low, no value", when)
        if rule.concept in k.contraindications and obs.dataAbsentReason is None and not obs.interpretation:
            # a result of a test that may rule out a contrast, with no value, no reason for none and no flag, is
            # unreadable (policy §10: contrast unsafe; a fifty-third review: gadolinium was suggested beside a
            # value-less eGFR); flagged normal or high, it says the kidneys are not failing
            return Reading(Level.UNREADABLE, "no value", when)
        return None
    value = float(quantity.value)
    unit, conversion = _unit(quantity), _conversion(rule, quantity)
    above_limit = _above_lab_limit(obs, rule, value, unit, conversion) if rule.flags_count else False
    if conversion is None:
        if above_limit:
            return Reading(Level.BEYOND, f"{value:g} {unit} above the lab's upper limit", when)
        note = f"{value:g} {unit or '(no unit)'}: unit not convertible to {rule.unit}"
        return Reading(Level.UNREADABLE, note, when)
    canonical = conversion.to_canonical(value)
    if rule.implausible(canonical):
        note = f"{value:g} {unit}: {canonical:g} {rule.unit} is no patient's value (a unit sent wrong?)"
        return Reading(Level.BORDERLINE, note, when)
    level, said = _level(rule, canonical, quantity.comparator, above_limit, flagged)
    exact = canonical if not quantity.comparator and not said else None
    return Reading(level, f"{quantity.comparator or ''}{canonical:g} {rule.unit}{said}", when, exact)


def estimated(reading: Reading | None, rule: ObservationRule, age: float | None, gender: str | None) -> Reading | None:
    """A reading within its rule's threshold, beyond it by the eGFR its value gives with the patient's age and sex
    (`rule.estimate`: a creatinine of 2.5 mg/dL in a woman of 90 is an eGFR of about 18); a sex recorded as neither
    male nor female is read as the one giving the lower estimate. Any other reading as it is."""
    estimate = rule.estimate
    if estimate is None or reading is None or reading.level is not Level.WITHIN or reading.value is None or age is None:
        return reading
    sexes = (gender,) if gender in ("female", "male") else ("female", "male")
    sex, egfr = min(((s, estimate.egfr(reading.value, age, s)) for s in sexes), key=lambda found: found[1])
    if egfr >= estimate.below:
        return reading
    note = f"{reading.note}: eGFR about {egfr:.0f} by {estimate.equation} (age {age:.0f}, {sex})"
    return Reading(Level.BEYOND, note, reading.day, reading.value)


def _level(
    rule: ObservationRule, value: float, comparator: str | None, above_limit: bool | None, flagged: bool
) -> tuple[Level, str]:
    """A value in the rule's unit against its threshold, and what the card adds to it (`above_limit` None: maybe
    above the lab's limit, given in a unit that cannot be compared)."""
    if comparator:
        level = _bounded(rule, value, comparator)
        if level is not Level.WITHIN or not flagged:
            return level, ""
    if rule.at_threshold(value):
        return Level.BORDERLINE, " (at the threshold)"
    if rule.beyond(value):
        return Level.BEYOND, ""
    if above_limit:
        return (Level.BEYOND if rule.lab_limit_counts else Level.BORDERLINE), ", above the lab's upper limit"
    if above_limit is None:
        return Level.BORDERLINE, ", maybe above the lab's upper limit (another unit)"
    if flagged:
        return Level.BORDERLINE, ", flagged abnormal high"
    return Level.WITHIN, ""


def _bounded(rule: ObservationRule, value: float, comparator: str) -> Level:
    """The level of a value given as a bound (">5 mg/L", "<60"): the side of the threshold every value the bound
    allows is on, else borderline (policy §10). A strict bound at the threshold allows no value at it: ">38.0 Cel"
    is past a threshold of 38.0, "CRP <10" within one of 10 (a thirty-seventh review read both as borderline)."""
    toward_beyond = (comparator in (">", ">=")) == (rule.op in (">", ">="))
    strict_at_threshold = comparator in (">", "<") and rule.at_threshold(value)
    if toward_beyond:
        return Level.BEYOND if rule.beyond(value) or strict_at_threshold else Level.BORDERLINE
    if rule.beyond(value) or (rule.at_threshold(value) and not strict_at_threshold):
        return Level.BORDERLINE
    return Level.WITHIN


def _flagged(obs: Valued, k: Knowledge) -> bool:
    """Whether the lab flags the value high: a v2/v3 code (H, HH, A ...), or a flag in another form (`h`, "High",
    "Abnormal", "H>") in a coding or the text (policy §10: a flag that can be read may block)."""
    return _flagged_in(obs, k.elevated_interpretations, k.elevated_interpretation_words)


def _flagged_in(obs: Valued, codes: frozenset[str], words: frozenset[str]) -> bool:
    """Whether one of the Observation's interpretations is one of these codes, or these words (lower-cased) as a code,
    a display or the text."""
    for concept in obs.interpretation or ():
        if concept.text and _word(concept.text) in words:
            return True
        for coding in concept.coding or ():
            code = (coding.code or "").strip()
            if code in codes or _word(code) in words:
                return True
            if coding.display and _word(coding.display) in words:
                return True
    return False


def _word(text: str) -> str:
    """An interpretation's code, display or text as the lists write it (`characters.py`: "Ｌｏｗ" is "low")."""
    return searchable(text).strip().lower()


def _above_lab_limit(
    obs: Valued, rule: ObservationRule, value: float, unit: str, conversion: UnitConversion | None
) -> bool | None:
    """Whether the value is above the lab's upper reference limit: compared in the rule's unit when the limit names a
    unit (an interface may convert one and not the other), in the value's own unit when it names none or the same.
    None (maybe: borderline) when the two units differ and one cannot be converted but the numbers say above."""
    for reference in obs.referenceRange or ():
        high = reference.high
        if high is None or high.value is None:
            continue
        high_unit = _unit(high)
        if not high_unit or high_unit == unit:
            return value > float(high.value)
        high_conversion = _conversion(rule, high)
        if conversion is None or high_conversion is None:
            return None if value > float(high.value) else False
        return conversion.to_canonical(value) > high_conversion.to_canonical(float(high.value))
    return False


def _unit(quantity: Quantity) -> str:
    """A Quantity's unit: its UCUM code, else its unit string or code as written."""
    return quantity.code if quantity.system == UCUM and quantity.code else (quantity.unit or quantity.code or "")


def _conversion(rule: ObservationRule, quantity: Quantity) -> UnitConversion | None:
    """The rule's conversion of a Quantity's unit (its code, else its unit string), None when it has none."""
    return rule.conversion(_unit(quantity)) or rule.conversion(quantity.unit or "")
