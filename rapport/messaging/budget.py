"""The contact budget and quiet hours: how often and when non-transactional mail may go.

Every sender passes through `queue_message`, which calls `try_charge` under the customer's
budget-row lock, so concurrent senders can never exceed the budget between them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from rapport.customers.models import Customer
from rapport.messaging.models import ContactBudget, Message, Priority

WINDOW = datetime.timedelta(days=7)


def limit_for(priority: int) -> int:
    """High-priority mail may use the whole budget; the rest leaves the reserve free."""
    total = settings.RAPPORT_CONTACT_BUDGET_PER_WEEK
    if priority >= Priority.HIGH:
        return total
    return max(0, total - settings.RAPPORT_CONTACT_BUDGET_HIGH_RESERVE)


def lock_budget(customer: Customer) -> ContactBudget:
    """Lock (creating if needed) the customer's budget row. Call inside `transaction.atomic`."""
    ContactBudget.objects.get_or_create(customer=customer)
    return ContactBudget.objects.select_for_update().get(customer=customer)


def used(customer: Customer, now: datetime.datetime) -> int:
    return Message.objects.filter(customer=customer, charged_at__gt=now - WINDOW).count()


def try_charge(budget: ContactBudget, priority: int, now: datetime.datetime) -> bool:
    """True (and the budget row touched) when one more message of `priority` fits this week.

    The caller holds the lock from `lock_budget` and sets `charged_at` on the message in the
    same transaction, so the next sender's count sees it.
    """
    if used(budget.customer, now) >= limit_for(priority):
        return False
    budget.last_charged_at = now
    budget.save(update_fields=["last_charged_at"])
    return True


def next_allowed_time(tz: Any, now: datetime.datetime | None = None) -> datetime.datetime:
    """`now`, or the end of the quiet hours in the customer's time zone when `now` is inside.

    Quiet hours run from RAPPORT_QUIET_HOURS_START to RAPPORT_QUIET_HOURS_END (local hours,
    may cross midnight); equal values switch them off.
    """
    now = now or timezone.now()
    start, end = settings.RAPPORT_QUIET_HOURS_START, settings.RAPPORT_QUIET_HOURS_END
    if start == end:
        return now
    local = now.astimezone(tz)
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return now
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake += datetime.timedelta(days=1)
    return wake.astimezone(datetime.UTC)
