"""Money is Decimal, always; these helpers keep rounding in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.db import models
from django.utils.translation import get_language, to_locale

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


def money_formatter(currency: str | None = None) -> Callable[[Decimal], str]:
    """`format_money` for the active language and one currency, its format looked up once: for a
    page that prints many amounts."""
    return _currency_format(babel_locale_name(), currency or settings.RAPPORT_CURRENCY)


def format_money(amount: Decimal, currency: str | None = None) -> str:
    """An amount as people write it in the active language: the currency's symbol where the
    locale puts it, its grouping and decimal separator, its number of decimals (CLDR, through
    Babel): "£1,234.50" in English, "R$12.00" for reais. The `money` template filter."""
    return money_formatter(currency)(amount)


def babel_locale_name() -> str:
    """The CLDR locale for the active language in the shop's region: "en_GB", "zh_Hans_CN"."""
    return _locale_for(get_language() or settings.LANGUAGE_CODE, settings.RAPPORT_REGION)


@functools.cache
def _locale_for(language: str, region: str) -> str:
    base = Locale.parse(to_locale(language))
    for candidate in (f"{base}_{region}", str(base)):
        try:
            return str(Locale.parse(candidate))
        except (UnknownLocaleError, ValueError):
            continue
    return str(base)


@functools.cache
def _currency_format(locale_name: str, currency: str) -> Callable[[Decimal], str]:
    """Babel formats two probes once; every amount after that is formatted in a few
    microseconds with the prefix, suffix and separators Babel chose (Babel's own call costs
    about 80 µs, and the cart page prints two amounts a line). `tests` compare both on many
    amounts, locales and currencies."""
    digits = get_currency_precision(currency)
    probe = Decimal("1234567.891234").quantize(Decimal(1).scaleb(-digits))
    positive = _split(format_currency(probe, currency, locale=locale_name))
    negative = _split(format_currency(-probe, currency, locale=locale_name))
    number = positive[1]
    group = number[1]  # "1,234,567.89": what follows the leading "1"
    decimal_sep = number[-digits - 1] if digits else ""
    step = Decimal(1).scaleb(-digits)
    table = str.maketrans({",": group, ".": decimal_sep})
    if f"{probe:,.{digits}f}".translate(table) != number:  # not groups of three (en_IN: lakhs)
        return lambda amount: format_currency(
            Decimal(amount).quantize(step, rounding=ROUND_HALF_UP), currency, locale=locale_name
        )

    def format_amount(amount: Decimal) -> str:
        value = Decimal(amount).quantize(step, rounding=ROUND_HALF_UP)
        prefix, _number, suffix = negative if value < 0 else positive
        return prefix + f"{abs(value):,.{digits}f}".translate(table) + suffix

    return format_amount


def _split(formatted: str) -> tuple[str, str, str]:
    """ "-£1,234.50" -> ("-£", "1,234.50", "")."""
    digits = [i for i, ch in enumerate(formatted) if ch.isdigit()]
    first, last = digits[0], digits[-1]
    return formatted[:first], formatted[first : last + 1], formatted[last + 1 :]


class MoneyField(models.DecimalField):
    """A DecimalField with the project's precision for amounts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
