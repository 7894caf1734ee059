"""An employee's own figures, computed from what they did (never typed in).

- **Orders handled**: orders on which they took a fulfilment step (paid, packed, shipped,
  delivered: `order.<step>` audit entries with them as the actor); `steps` counts the steps.
- **Tickets resolved**: tickets they moved to "resolved" (`ticket.updated` entries), each counted
  once per period; **resolution time** is from the ticket's opening to that step.
- **First response**: tickets whose first staff reply is theirs; the time from opening to it.
- **Chats handled**: customer conversations they were serving when closed; **rating** is the
  customers' average (1 to 5) over those rated.

A period is a calendar week (Monday first) or month in the shop's time zone; a figure belongs to
the period of the moment it happened (the step, the reply, the closing).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from rapport.aftersales.models import TicketMessage, TicketStatus
from rapport.chat.models import Room, RoomKind
from rapport.core.models import AuditEntry

WEEK, MONTH = "week", "month"
PERIODS = (WEEK, MONTH)
SHOWN = {WEEK: 8, MONTH: 6}
FULFILMENT_ACTIONS = ("order.paid", "order.packed", "order.shipped", "order.delivered")


@dataclass
class Figures:
    start: datetime.date
    orders: int = 0
    steps: int = 0
    tickets_resolved: int = 0
    resolution_hours: Decimal | None = None
    first_responses: int = 0
    first_response_hours: Decimal | None = None
    chats: int = 0
    ratings: int = 0
    rating: Decimal | None = None


def period_start(day: datetime.date, period: str) -> datetime.date:
    if period == MONTH:
        return day.replace(day=1)
    return day - datetime.timedelta(days=day.weekday())


def _previous(start: datetime.date, period: str) -> datetime.date:
    if period == MONTH:
        return (start - datetime.timedelta(days=1)).replace(day=1)
    return start - datetime.timedelta(days=7)


def period_starts(period: str, count: int, today: datetime.date) -> list[datetime.date]:
    """The `count` most recent periods up to the one holding `today`, newest first."""
    starts = [period_start(today, period)]
    while len(starts) < count:
        starts.append(_previous(starts[-1], period))
    return starts


def _hours(seconds: list[float]) -> Decimal | None:
    if not seconds:
        return None
    mean = Decimal(str(sum(seconds) / len(seconds) / 3600))
    return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def figures(
    user: Any, *, period: str = WEEK, count: int | None = None, now: datetime.datetime | None = None
) -> list[Figures]:
    """`user`'s figures for the last `count` weeks or months, newest first (zeros included)."""
    if period not in PERIODS:
        raise ValueError(period)
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    starts = period_starts(period, count or SHOWN[period], timezone.localtime(now, zone).date())
    since = timezone.make_aware(datetime.datetime.combine(starts[-1], datetime.time()), zone)

    def bucket(moment: datetime.datetime) -> datetime.date:
        return period_start(timezone.localtime(moment, zone).date(), period)

    orders: dict[datetime.date, set[str]] = defaultdict(set)
    steps: dict[datetime.date, int] = defaultdict(int)
    for at, order_id in AuditEntry.objects.filter(
        actor=user,
        action__in=FULFILMENT_ACTIONS,
        object_type="orders.order",
        created_at__gte=since,
        created_at__lte=now,
    ).values_list("created_at", "object_id"):
        orders[bucket(at)].add(order_id)
        steps[bucket(at)] += 1

    # Resolutions: the earliest per ticket and period (a reopened ticket resolved again in the
    # same period counts once).
    resolved: dict[datetime.date, dict[str, float]] = defaultdict(dict)
    entries = list(
        AuditEntry.objects.filter(
            actor=user,
            action="ticket.updated",
            object_type="aftersales.serviceticket",
            data__status=TicketStatus.RESOLVED,
            summary__contains=f"status {TicketStatus.RESOLVED}",
            created_at__gte=since,
            created_at__lte=now,
        )
        .order_by("created_at", "id")
        .values_list("created_at", "object_id")
    )
    opened = _ticket_openings({int(object_id) for _at, object_id in entries})
    for at, object_id in entries:
        opened_at = opened.get(int(object_id))
        if opened_at is not None:
            resolved[bucket(at)].setdefault(object_id, (at - opened_at).total_seconds())

    first: dict[datetime.date, list[float]] = defaultdict(list)
    earlier_reply = TicketMessage.objects.filter(ticket=OuterRef("ticket"), from_staff=True).filter(
        Q(created_at__lt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))
    )
    for at, opened_at in (
        TicketMessage.objects.filter(
            author=user, from_staff=True, created_at__gte=since, created_at__lte=now
        )
        .filter(~Exists(earlier_reply))
        .values_list("created_at", "ticket__created_at")
    ):
        first[bucket(at)].append((at - opened_at).total_seconds())

    chats: dict[datetime.date, int] = defaultdict(int)
    ratings: dict[datetime.date, list[int]] = defaultdict(list)
    for closed_at, rating in Room.objects.filter(
        kind=RoomKind.CUSTOMER,
        assignee=user,
        closed_at__gte=since,
        closed_at__lte=now,
    ).values_list("closed_at", "rating"):
        if closed_at is None:  # excluded by the filter; for the type checker
            continue
        chats[bucket(closed_at)] += 1
        if rating is not None:
            ratings[bucket(closed_at)].append(rating)

    result = []
    for start in starts:
        rated = ratings.get(start, [])
        result.append(
            Figures(
                start=start,
                orders=len(orders.get(start, ())),
                steps=steps.get(start, 0),
                tickets_resolved=len(resolved.get(start, {})),
                resolution_hours=_hours(list(resolved.get(start, {}).values())),
                first_responses=len(first.get(start, [])),
                first_response_hours=_hours(first.get(start, [])),
                chats=chats.get(start, 0),
                ratings=len(rated),
                rating=(
                    (Decimal(sum(rated)) / len(rated)).quantize(
                        Decimal("0.01"), rounding=ROUND_HALF_UP
                    )
                    if rated
                    else None
                ),
            )
        )
    return result


def _ticket_openings(ids: set[int]) -> dict[int, datetime.datetime]:
    from rapport.aftersales.models import ServiceTicket

    return dict(ServiceTicket.objects.filter(pk__in=ids).values_list("pk", "created_at"))


def chart(rows: list[Figures], labels: list[str], names: dict[str, str]) -> dict[str, Any]:
    """The data `analytics/charts.js` draws: oldest period first, counts as bars."""
    ordered = list(reversed(rows))
    return {
        "x": list(reversed(labels)),
        "series": [
            {"name": names["orders"], "type": "bar", "data": [r.orders for r in ordered]},
            {
                "name": names["tickets"],
                "type": "bar",
                "data": [r.tickets_resolved for r in ordered],
            },
            {"name": names["chats"], "type": "bar", "data": [r.chats for r in ordered]},
        ],
    }
