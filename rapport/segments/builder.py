"""What the portal's click-first rule builder offers: every rule field with a human label, its
operators in words, and the values to pick from, in the active language.

The builder (static/js/segment-builder.js) only assembles the same JSON tree that `rules.py`
validates and compiles; it never decides what is valid. The server checks every rule it saves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.segments.models import RfmGroup
from rapport.segments.rules import AGE_BANDS, FIELDS

FIELD_LABELS = {
    "occupation": gettext_lazy("Occupation"),
    "interests": gettext_lazy("Interests"),
    "gender": gettext_lazy("Gender"),
    "age_band": gettext_lazy("Age band"),
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "rfm_group": gettext_lazy("RFM group"),
    "recency_score": gettext_lazy("Recency score (1-5)"),
    "frequency_score": gettext_lazy("Frequency score (1-5)"),
    "monetary_score": gettext_lazy("Monetary score (1-5)"),
    "total_spent": gettext_lazy("Total spent"),
    "order_count": gettext_lazy("Number of orders"),
    "last_purchase_within_days": gettext_lazy("Last purchase within (days)"),
    "categories_bought": gettext_lazy("Categories bought"),
}

OPERATOR_LABELS = {
    "in": gettext_lazy("is one of"),
    "any": gettext_lazy("includes any of"),
    "gte": gettext_lazy("at least"),
    "lte": gettext_lazy("at most"),
    "gt": gettext_lazy("more than"),
    "lt": gettext_lazy("less than"),
    "eq": gettext_lazy("equals"),
}


def _occupations() -> list[tuple[str, str]]:
    from rapport.customers.models import Occupation

    return [(o.slug, o.label) for o in Occupation.objects.filter(is_active=True)]


def _interests() -> list[tuple[str, str]]:
    from rapport.customers.models import Interest

    return [(i.slug, i.label) for i in Interest.objects.filter(is_active=True)]


def _genders() -> list[tuple[str, str]]:
    from rapport.customers.models import Gender

    return [(str(value), str(label)) for value, label in Gender.choices]


def _categories() -> list[tuple[str, str]]:
    from rapport.catalog.models import Category

    return list(Category.objects.order_by("name").values_list("slug", "name"))


CHOICES: dict[str, Callable[[], list[tuple[str, str]]]] = {
    "occupation": _occupations,
    "interests": _interests,
    "gender": _genders,
    "age_band": lambda: [(band, band) for band in AGE_BANDS],
    "rfm_group": lambda: [(str(value), str(label)) for value, label in RfmGroup.choices],
    "categories_bought": _categories,
}


def builder_spec() -> dict[str, Any]:
    """The builder's vocabulary: fields (label, value kind, operators, choices) and its words."""
    fields = []
    for name, spec in FIELDS.items():
        choices = CHOICES.get(name)
        fields.append(
            {
                "name": name,
                "label": str(FIELD_LABELS.get(name, spec.label)),
                "kind": spec.kind,
                "ops": (
                    [["eq", _("is")]]
                    if spec.kind == "days"
                    else [[op, str(OPERATOR_LABELS[op])] for op in spec.ops]
                ),
                "choices": choices() if choices is not None else None,
            }
        )
    words = {
        "all": _("all of these are true"),
        "any": _("any of these is true"),
        "not": _("not"),
        "add_condition": _("Add a condition"),
        "add_group": _("Add a group"),
        "remove": _("Remove"),
        "list_hint": _("comma-separated, e.g. United Kingdom, France"),
        "json_only": _("This rule can only be edited as JSON below."),
    }
    return {"fields": fields, "words": words}
