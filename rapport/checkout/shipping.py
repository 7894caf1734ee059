"""The fixed shipping methods and their Decimal prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.core.money import to_money


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    name: str | Promise
    price: Decimal
    days: str | Promise
    free_over_threshold: bool

    def cost_for(self, subtotal: Decimal) -> Decimal:
        """The price for an order of `subtotal` (standard is free over the threshold)."""
        if self.free_over_threshold and subtotal >= free_shipping_threshold():
            return Decimal("0.00")
        return self.price


def free_shipping_threshold() -> Decimal:
    return to_money(settings.RAPPORT_FREE_SHIPPING_OVER)


METHODS: dict[str, ShippingMethod] = {
    m.code: m
    for m in (
        ShippingMethod("standard", _("Standard delivery"), Decimal("4.95"), _("3 to 5 days"), True),
        ShippingMethod("express", _("Express delivery"), Decimal("9.95"), _("next day"), False),
    )
}


def get_method(code: str) -> ShippingMethod | None:
    return METHODS.get(code)
