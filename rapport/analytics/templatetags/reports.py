"""Template helpers of the report pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def report_cells(row: dict[str, Any], columns: list[tuple[str, str]]) -> list[Any]:
    """A row's values in column order, numbers formatted for the reader's locale."""
    cells = []
    for key, _label in columns:
        value = row.get(key)
        if value is None:
            cells.append("—")
        elif isinstance(value, Decimal):
            cells.append(number_format(value, use_l10n=True, force_grouping=True))
        else:
            cells.append(value)
    return cells


@register.filter
def urlencode_query(query: dict[str, str]) -> str:
    return urlencode(query)
