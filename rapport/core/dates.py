"""Dates and times as people write them in the active language (CLDR through Babel), in the
shop's time zone: "6 Dec 2026, 01:05" in English, "2026年12月6日 01:05" in Chinese. One form for
every page, mail and PDF (the `local_date`, `local_datetime` and `long_date` template filters)."""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale
from babel.dates import DateTimePattern
from django.utils import timezone

from rapport.core.money import babel_locale_name

# CLDR's standard lengths, which every locale has.
DAY = ("date", "medium")  # 6 Dec 2026 · 2026年12月6日
LONG_DAY = ("date", "full")  # Sunday, 6 December 2026 · 2026年12月6日星期日
TIME = ("time", "short")  # 01:05


def format_date(value: dt.date | dt.datetime | None) -> str:
    return _apply(value, DAY)


def format_long_date(value: dt.date | dt.datetime | None) -> str:
    return _apply(value, LONG_DAY)


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = _local(value)
    name = babel_locale_name()
    date_text = _pattern(name, DAY).apply(local, _locale(name))
    time_text = _pattern(name, TIME).apply(local, _locale(name))
    return str(_locale(name).datetime_formats["medium"]).format(time_text, date_text)


def _apply(value: dt.date | dt.datetime | None, kind: tuple[str, str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value)
    name = babel_locale_name()
    return _pattern(name, kind).apply(value, _locale(name))


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@functools.cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


@functools.cache
def _pattern(name: str, kind: tuple[str, str]) -> DateTimePattern:
    what, length = kind
    locale = _locale(name)
    formats = locale.date_formats if what == "date" else locale.time_formats
    return formats[length]
