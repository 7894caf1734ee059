"""What a quote line may be: parsing and checking the product, quantity and unit price.

Views and API endpoints hand raw values to `parse_line`; services check structured lines again
with `check_lines`, so a caller that skips parsing still cannot store a bad line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.core.money import CENT

MAX_QUANTITY = 9999
MAX_LINES = 50
MAX_UNIT_PRICE = Decimal("99999999.99")
MAX_VALIDITY_DAYS = 365
MAX_NOTE_LENGTH = 2000


class QuoteError(Exception):
    """A quote change that cannot be made; the message is safe to show. Nothing was written."""


@dataclass(frozen=True)
class LineInput:
    """One proposed line: a product, how many and the unit price offered for it."""

    product: Product
    quantity: int
    unit_price: Decimal


def parse_quantity(raw: Any) -> int:
    """A whole number from 1 to MAX_QUANTITY, or QuoteError."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError) as exc:
        raise QuoteError(_("Enter a whole number of items.")) from exc
    if value < 1:
        raise QuoteError(_("The quantity must be at least 1."))
    if value > MAX_QUANTITY:
        raise QuoteError(_("At most %(n)d of one item per quote.") % {"n": MAX_QUANTITY})
    return value


def parse_price(raw: Any) -> Decimal:
    """A unit price of at least 0 with at most two decimal places ("12", "12.5", "12.50")."""
    text = str(raw if raw is not None else "").strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise QuoteError(_("Enter a price like 49.90.")) from exc
    return check_price(value)


def check_price(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise QuoteError(_("Enter a price like 49.90."))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(CENT):
        raise QuoteError(_("A price has at most two decimal places."))
    if value < 0:
        raise QuoteError(_("A price cannot be negative."))
    if value > MAX_UNIT_PRICE:
        raise QuoteError(_("This price is too large."))
    return value.quantize(CENT)


def parse_date(raw: Any) -> date:
    """A date written YYYY-MM-DD, or QuoteError."""
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise QuoteError(_("Enter the date as YYYY-MM-DD.")) from exc


def check_valid_until(valid_until: date, today: date | None = None) -> date:
    """An offer is valid through the end of `valid_until` (shop time): today at the earliest."""
    today = today or timezone.localdate()
    if valid_until < today:
        raise QuoteError(_("The offer must be valid until today or a later day."))
    if valid_until > today + timedelta(days=MAX_VALIDITY_DAYS):
        raise QuoteError(
            _("An offer can be valid for at most %(n)d days.") % {"n": MAX_VALIDITY_DAYS}
        )
    return valid_until


def check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise QuoteError(_("A note can be at most %(n)d characters.") % {"n": MAX_NOTE_LENGTH})
    return note


def find_product(sku: str) -> Product:
    """The product on sale with this SKU, or QuoteError."""
    sku = (sku or "").strip()
    product = Product.objects.filter(sku=sku).first() if sku else None
    if product is None:
        raise QuoteError(_("No product with SKU “%(sku)s”.") % {"sku": sku})
    if not product.is_active:
        raise QuoteError(_("“%(name)s” is not on sale.") % {"name": product.name})
    return product


def parse_line(*, sku: str, quantity: Any, unit_price: Any) -> LineInput:
    """One line from raw values; a blank price means the product's current price."""
    product = find_product(sku)
    quantity_value = parse_quantity(quantity)
    if str(unit_price if unit_price is not None else "").strip() == "":
        price = check_price(product.price or Decimal("0.00"))
    else:
        price = parse_price(unit_price)
    return LineInput(product=product, quantity=quantity_value, unit_price=price)


def check_lines(lines: Iterable[LineInput]) -> list[LineInput]:
    """The lines of one version: 1 to MAX_LINES, each product once and on sale, quantities
    1..MAX_QUANTITY, prices ≥ 0 with two decimal places. Raises QuoteError."""
    checked = list(lines)
    if not checked:
        raise QuoteError(_("Add at least one line."))
    if len(checked) > MAX_LINES:
        raise QuoteError(_("A quote can have at most %(n)d lines.") % {"n": MAX_LINES})
    seen: set[int] = set()
    for line in checked:
        if line.product.pk in seen:
            raise QuoteError(
                _("“%(name)s” is listed twice: use one line.") % {"name": line.product.name}
            )
        seen.add(line.product.pk)
        if not line.product.is_active:
            raise QuoteError(_("“%(name)s” is not on sale.") % {"name": line.product.name})
        parse_quantity(line.quantity)
        check_price(line.unit_price)
    return [
        LineInput(product=x.product, quantity=x.quantity, unit_price=check_price(x.unit_price))
        for x in checked
    ]


def parse_rows(
    skus: list[str], quantities: list[str], prices: list[str], removed: Iterable[str] = ()
) -> list[LineInput]:
    """Lines from a form's parallel lists (one row per line; rows with a blank SKU and rows
    whose SKU is in `removed` are left out). Raises QuoteError naming the row's product."""
    dropped = {s.strip() for s in removed}
    rows = zip(skus, quantities + [""] * len(skus), prices + [""] * len(skus), strict=False)
    lines = []
    for sku, quantity, price in rows:
        sku = (sku or "").strip()
        if not sku or sku in dropped:
            continue
        try:
            lines.append(parse_line(sku=sku, quantity=quantity, unit_price=price))
        except QuoteError as exc:
            raise QuoteError(f"{sku}: {exc}") from exc
    return lines
