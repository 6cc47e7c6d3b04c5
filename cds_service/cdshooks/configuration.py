"""What a deployment, and a single hook call, may switch: shadow delivery, the info cards, the capture card and the
rating systemActions.

The deployment sets the defaults (CDS_* settings). A hook call may override them for itself the way Da Vinci CRD
does: discovery advertises each option in the `davinci-crd.configuration-options` extension (code, type, name,
description, default), and a request carries values in its `extension.davinci-crd.configuration` object. An unknown
option or a value of the wrong type is a 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

OPTIONS_EXTENSION = "davinci-crd.configuration-options"  # in discovery
CONFIGURATION_EXTENSION = "davinci-crd.configuration"  # in a hook request


class OptionError(ValueError):
    """A hook request's configuration cannot be used; the message says which option and why."""


@dataclass(frozen=True)
class CallOptions:
    """The options in force for one hook call."""

    shadow: bool = False  # evaluate and record, show no card
    rating_actions: bool = True  # attach the Argonaut pama-rating to the order (systemActions)
    better_alternative_card: bool = True  # info card when a Usually Appropriate study would be better
    no_rating_card: bool = False  # info card saying why no rating applies
    insufficient_data_card: bool = False  # info card saying the indication is missing (when no capture card)
    capture_indication: bool = True  # order-select, no indication anywhere: a card offering coded reasons

    @property
    def delivery(self) -> str:
        return "shadow" if self.shadow else "active"

    def as_record(self) -> dict[str, bool]:
        """The options as the audit trail keeps them (by their CRD codes)."""
        values = asdict(self)
        return {option.code: values[option.field] for option in OPTIONS}

    def with_configuration(self, extension: Any) -> CallOptions:
        """These options overridden by a request's `extension` object; OptionError when it cannot be used."""
        if extension is None:
            return self
        if not isinstance(extension, Mapping):
            raise OptionError("extension must be a JSON object")
        if CONFIGURATION_EXTENSION not in extension:
            return self
        configuration = extension[CONFIGURATION_EXTENSION]
        if not isinstance(configuration, Mapping):
            raise OptionError(f"extension.{CONFIGURATION_EXTENSION} must be a JSON object")
        by_code = {o.code: o for o in OPTIONS}
        changes = {}
        for code, value in configuration.items():
            option = by_code.get(code)
            if option is None:
                raise OptionError(
                    f"unknown configuration option {code!r}; discovery lists the options: {sorted(by_code)}"
                )
            if type(value) is not bool:
                raise OptionError(f"configuration option {code!r} takes a boolean, not {type(value).__name__}")
            changes[option.field] = value
        return replace(self, **changes)


@dataclass(frozen=True)
class Option:
    """One option as discovery advertises it."""

    code: str
    field: str
    name: str
    description: str

    def advertised(self, defaults: CallOptions) -> dict[str, Any]:
        default = getattr(defaults, self.field)
        return {
            "code": self.code,
            "type": "boolean",
            "name": self.name,
            "description": self.description,
            "default": default,
        }


OPTIONS = (
    Option(
        "shadow",
        "shadow",
        "Shadow mode",
        "Evaluate and record the order's rating without showing any card (rating systemActions as configured).",
    ),
    Option(
        "rating-actions",
        "rating_actions",
        "Attach the rating",
        "Attach the Argonaut pama-rating to each rated order as a systemAction.",
    ),
    Option(
        "better-alternative-card",
        "better_alternative_card",
        "Better-study card",
        "Show an info card when the ordered study may be appropriate but another is usually appropriate.",
    ),
    Option(
        "no-rating-card",
        "no_rating_card",
        "No-rating card",
        "Show an info card saying why no ACR rating applies (red flag, out of scope, not rated).",
    ),
    Option(
        "insufficient-data-card",
        "insufficient_data_card",
        "Missing-indication card",
        "Show an info card when no rating can be made because the indication or other data is missing.",
    ),
    Option(
        "capture-indication",
        "capture_indication",
        "Ask for the indication",
        "On order-select, when no indication is recorded anywhere, offer coded reasons, each with its rating.",
    ),
)
assert {o.field for o in OPTIONS} == {f.name for f in fields(CallOptions)}


def advertised_options(defaults: CallOptions) -> list[dict[str, Any]]:
    """The `davinci-crd.configuration-options` extension value, with this deployment's defaults."""
    return [option.advertised(defaults) for option in OPTIONS]
