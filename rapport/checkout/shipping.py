"""The fixed shipping methods and their Decimal prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.core.money import to_money
from rapport.delivery.calendar import working_days_label


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    name: str | Promise
    price: Decimal
    # Working days on the way after dispatch (rapport/delivery/calendar.py): the promise at
    # checkout is counted from these, so the option and the date shown next are one figure.
    min_days: int
    max_days: int
    free_over_threshold: bool

    @property
    def transit(self) -> tuple[int, int]:
        return (self.min_days, self.max_days)

    @property
    def days(self) -> str:
        """ "3 to 5 working days" / "next working day", in the active language."""
        return working_days_label(self.min_days, self.max_days)

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
        ShippingMethod("standard", _("Standard delivery"), Decimal("4.95"), 3, 5, True),
        ShippingMethod("express", _("Express delivery"), Decimal("9.95"), 1, 1, False),
    )
}


def get_method(code: str) -> ShippingMethod | None:
    return METHODS.get(code)
