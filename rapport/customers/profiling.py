"""Progressive profiling: the small questions we may ask, one at a time, answered by a click.

A question is asked only while its answer is unknown and the customer has not refused it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The order in which questions are asked: the most useful for the store first.
QUESTION_KEYS = ("occupation", "interests", "birth_month", "gender")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str | Promise


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str | Promise
    choices: tuple[Choice, ...]


# How a question is named on the timeline (stored text, so plain English like other summaries).
QUESTION_NAMES = {
    "occupation": "occupation",
    "interests": "interests",
    "birth_month": "birthday month",
    "gender": "gender",
}

PROMPTS = {
    "occupation": _("What do you do?"),
    "interests": _("What do you enjoy?"),
    "birth_month": _("When is your birthday? (just the month — for a birthday surprise)"),
    "gender": _("How should we address you?"),
}

MONTHS = (
    _("January"),
    _("February"),
    _("March"),
    _("April"),
    _("May"),
    _("June"),
    _("July"),
    _("August"),
    _("September"),
    _("October"),
    _("November"),
    _("December"),
)


class ProfilingError(ValueError):
    """An answer that does not fit the question (unknown question or choice)."""
