"""Small helpers shared by the importers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import islice
from zoneinfo import ZoneInfo

from django.utils.text import slugify

from rapport.catalog.models import Category

CENT = Decimal("0.01")


class BadValue(ValueError):
    """A field that cannot be read as the type its column holds."""


def parse_local_datetime(value: str, zone: ZoneInfo, cache: dict[str, datetime]) -> datetime:
    """`YYYY-MM-DD HH:MM:SS` in local time `zone` → an aware datetime (cached: values repeat)."""
    found = cache.get(value)
    if found is None:
        try:
            found = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
        except ValueError as exc:
            raise BadValue(f"not a date and time: {value!r}") from exc
        cache[value] = found
    return found


def parse_decimal(value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise BadValue(f"not a number: {value!r}") from exc
    if not amount.is_finite():
        raise BadValue(f"not a number: {value!r}")
    return amount


def parse_int(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise BadValue(f"not a whole number: {value!r}") from exc


def parse_optional_int(value: str) -> int | None:
    """Empty → None; "225" or "225.0" → 225 (some exports write whole numbers as floats)."""
    if value == "":
        return None
    number = parse_decimal(value)
    if number != number.to_integral_value() or number < 0:
        raise BadValue(f"not a whole non-negative number: {value!r}")
    return int(number)


def has_fraction_of_cent(amount: Decimal) -> bool:
    return amount != amount.quantize(CENT)


def batched[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def taken_slugs() -> set[str]:
    return set(Category.objects.values_list("slug", flat=True))


def unique_slug(text: str, taken: set[str], *, max_length: int = 140) -> str:
    """A slug not in `taken` (numbered when needed); it is added to `taken`."""
    base = (slugify(text) or "category")[: max_length - 4]
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug
