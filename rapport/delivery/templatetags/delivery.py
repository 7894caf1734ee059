"""`{% promised_delivery as promise %}`: the date we promise for an order placed now."""

from __future__ import annotations

import datetime

from django import template

from rapport.delivery.services import promised_datetime

register = template.Library()


@register.simple_tag
def promised_delivery() -> datetime.datetime:
    return promised_datetime()
