"""Reads of a cart with everything its page needs, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from rapport.cart.discounts import cart_discounts, discount_total
from rapport.cart.models import Cart, CartLine
from rapport.catalog.models import Product
from rapport.core.money import line_total
from rapport.inventory.queries import units_in_stock


@dataclass
class LineView:
    line: CartLine
    unit_price: Decimal
    total: Decimal
    available: int
    warnings: list[str] = field(default_factory=list)
    # Strings the cart page prints per line, worked out once here rather than in the template.
    public_id: str = ""
    url: str = ""

    @property
    def product(self) -> Product:
        return self.line.product


@dataclass
class CartView:
    cart: Cart | None
    lines: list[LineView]
    subtotal: Decimal
    item_count: int
    # Bundle prices and the like (`cart.discounts`): each has `label` and a positive `amount`.
    discounts: list[Any] = field(default_factory=list)

    @property
    def discount_total(self) -> Decimal:
        return discount_total(self.discounts)

    @property
    def total(self) -> Decimal:
        """What the items cost after discounts (shipping comes at checkout)."""
        return self.subtotal - self.discount_total

    @property
    def has_problems(self) -> bool:
        return any(lv.warnings for lv in self.lines)

    @property
    def blocking(self) -> bool:
        """Problems checkout cannot go past: an item unavailable or short of stock."""
        return any(lv.available < lv.line.quantity or not lv.product.is_active for lv in self.lines)


def cart_view(cart: Cart | None) -> CartView:
    """The cart's lines at today's prices and stock, each flagged if it changed since it was added.

    One query whatever the number of lines (lines + products + stock records joined), plus the
    bundle-discount lookup when a line is sellable.
    """
    if cart is None:
        return CartView(cart=None, lines=[], subtotal=Decimal("0.00"), item_count=0)
    lines = list(CartLine.objects.filter(cart=cart).select_related("product__stock").order_by("id"))
    views: list[LineView] = []
    for line in lines:
        line.cart = cart  # every line is this cart's: no query if a caller follows line.cart
        product = line.product
        price = product.price or Decimal("0.00")
        lv = LineView(
            line=line,
            unit_price=price,
            total=line_total(price, line.quantity),
            available=units_in_stock(product),
            public_id=str(product.public_id),
            url=product.get_absolute_url(),
        )
        if not product.is_active or not product.price:
            lv.warnings.append(_("This item is no longer on sale: remove it to continue."))
        elif product.price != line.price_seen:
            lv.warnings.append(
                _("The price changed from %(old)s to %(new)s since you added it.")
                % {"old": line.price_seen, "new": product.price}
            )
        if lv.available < line.quantity:
            lv.warnings.append(
                _("Only %(n)d left in stock: lower the quantity to continue.") % {"n": lv.available}
                if lv.available
                else _("Out of stock: remove it to continue.")
            )
        views.append(lv)
    return CartView(
        cart=cart,
        lines=views,
        subtotal=sum((lv.total for lv in views), Decimal("0.00")),
        item_count=sum(lv.line.quantity for lv in views),
        discounts=cart_discounts(
            (lv.product.pk, lv.unit_price, lv.line.quantity)
            for lv in views
            if lv.product.is_active and lv.product.price
        ),
    )
