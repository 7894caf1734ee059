"""Money is Decimal, always; these helpers keep rounding in one place."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import formats

CENT = Decimal("0.01")
MAX_DIGITS = 14
DECIMAL_PLACES = 2


class MoneyError(ValueError):
    """A value that cannot be an amount of money."""


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse and round to cents (half up). Floats are refused: they cannot hold cents exactly."""
    if isinstance(value, float):
        raise MoneyError("Money must not be a float; pass a Decimal, int or string.")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise MoneyError(f"Not an amount of money: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"Not an amount of money: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    return to_money(unit_price * quantity)


def money_formatter() -> Callable[[Decimal], str]:
    """`format_money` for the active language, its format looked up once: for a page that
    prints many amounts."""
    if settings.USE_THOUSAND_SEPARATOR:
        return lambda amount: formats.number_format(amount, decimal_pos=2)
    separator = formats.get_format("DECIMAL_SEPARATOR")
    if separator == ".":
        return lambda amount: f"{amount:.2f}"
    return lambda amount: f"{amount:.2f}".replace(".", separator)


def format_money(amount: Decimal) -> str:
    """An amount in cents as `{{ amount }}` prints it in the active language (its decimal
    separator; grouped only with USE_THOUSAND_SEPARATOR), at a fifth of the cost: the cart page
    prints two amounts a line. The `money` template filter."""
    return money_formatter()(amount)


class MoneyField(models.DecimalField):
    """A DecimalField with the project's precision for amounts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
