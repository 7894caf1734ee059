"""The carrier's calendar: which days parcels leave the shop and which days they are delivered.

A promise is counted in *working days*: the shop dispatches on its working days (orders after the
cut-off hour leave the next one), and the carrier delivers on its delivery weekdays, never on a
public holiday of the shop's region (`holidays`, the well-kept calendar of public holidays).
Shipping options and the delivery promise both come from here, so "3 to 5 working days" and
"Delivered by Thursday" are one figure.
"""

from __future__ import annotations

import datetime
from functools import cache

import holidays
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@cache
def _public_holidays(region: str, subdivision: str) -> holidays.HolidayBase:
    for subdiv in (subdivision or None, None):
        try:
            return holidays.country_holidays(region, subdiv=subdiv)
        except (NotImplementedError, KeyError):  # not a subdivision of that region / no region
            continue
    return holidays.HolidayBase()  # a region the package doesn't know: no public holidays


def is_holiday(day: datetime.date) -> bool:
    return day in _public_holidays(settings.RAPPORT_REGION, settings.RAPPORT_HOLIDAY_SUBDIVISION)


def is_dispatch_day(day: datetime.date) -> bool:
    """The shop packs and hands over parcels on these days."""
    return day.isoweekday() in settings.RAPPORT_DISPATCH_WEEKDAYS and not is_holiday(day)


def is_delivery_day(day: datetime.date) -> bool:
    """The carrier delivers on these days (no Sunday unless configured, no public holiday)."""
    return day.isoweekday() in settings.RAPPORT_DELIVERY_WEEKDAYS and not is_holiday(day)


def dispatch_day(placed_at: datetime.datetime) -> datetime.date:
    """The day an order placed at `placed_at` leaves: the same day before the cut-off hour on a
    dispatch day, else the next dispatch day."""
    local = timezone.localtime(placed_at)
    day = local.date()
    if local.hour >= settings.RAPPORT_DISPATCH_CUTOFF_HOUR or not is_dispatch_day(day):
        day = _next(day, is_dispatch_day)
    return day


def add_delivery_days(start: datetime.date, days: int) -> datetime.date:
    """The `days`-th delivery day after `start` (`start` itself when 0 and a delivery day)."""
    day = start
    if days <= 0:
        return day if is_delivery_day(day) else _next(day, is_delivery_day)
    for _step in range(days):
        day = _next(day, is_delivery_day)
    return day


def on_delivery_day(day: datetime.date) -> datetime.date:
    """`day`, or the next day the carrier delivers on."""
    return add_delivery_days(day, 0)


def delivery_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many delivery days after `start` `end` is (0 when not later)."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_delivery_day(day):
            count += 1
    return count


def working_days_label(low: int, high: int) -> str:
    """ "3 to 5 working days", "2 working days", "next working day", in the active language."""
    if high <= 1:
        return _("next working day")
    if low == high:
        return ngettext("%(n)d working day", "%(n)d working days", high) % {"n": high}
    return _("%(low)d to %(high)d working days") % {"low": low, "high": high}


def _next(day: datetime.date, wanted: object) -> datetime.date:
    for _day in range(60):  # a calendar with no day in two months is a configuration error
        day += datetime.timedelta(days=1)
        if wanted(day):  # type: ignore[operator]
            return day
    raise ValueError("No dispatch or delivery day in the next 60 days: check the settings.")
