"""`{% shop_details as shop %}`: the shop's legal details in receipts, mails and the footer."""

from __future__ import annotations

from django import template

from rapport.core.models import ShopDetails
from rapport.core.shop import shop_details as current_details

register = template.Library()


@register.simple_tag
def shop_details() -> ShopDetails:
    return current_details()
