"""Writes for occasions: the periodic refresh from order history, and the customer's own edits.

The refresh mines every customer's orders with `occasions.mining` (the code the evaluation
command scores), then stores the result per customer in chunks: a mined occasion the customer
turned off or edited is kept as they left it (its statistics are updated, its date and switch
are theirs); one that no longer passes the thresholds disappears; birthdays are added for
customers who told us their birthday and agreed to marketing mail.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.campaigns.models import Occasion, OccasionKind
from rapport.campaigns.occasions import mining
from rapport.core import audit
from rapport.customers.models import Consent, Customer, Purpose
from rapport.orders.models import Order, OrderKind, OrderStatus

CHUNK = 2000


class OccasionError(Exception):
    """A change to an occasion that cannot be made (bad date, not the customer's own)."""


@dataclass(frozen=True)
class RefreshResult:
    customers: int
    created: int
    updated: int
    removed: int


def next_occurrence(month: int, day: int, today: datetime.date) -> datetime.date:
    """The next date on or after `today` with this month and day (29 Feb → 28 Feb when absent)."""
    for year in (today.year, today.year + 1):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            candidate = datetime.date(year, month, 28)
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable")


def purchase_days(customer_ids: Iterable[int] | None = None) -> dict[int, list[int]]:
    """Distinct local purchase days (ordinals) per customer, from real, not cancelled orders."""
    orders = Order.objects.filter(kind=OrderKind.ORDER, customer__isnull=False).exclude(
        status=OrderStatus.CANCELLED
    )
    if customer_ids is not None:
        orders = orders.filter(customer_id__in=list(customer_ids))
    days: dict[int, set[int]] = {}
    for customer_id, placed_at in orders.values_list("customer_id", "placed_at").iterator(
        chunk_size=20_000
    ):
        days.setdefault(customer_id, set()).add(timezone.localtime(placed_at).date().toordinal())
    return {c: sorted(d) for c, d in days.items()}


def refresh_occasions(
    *,
    actor: Any = None,
    today: datetime.date | None = None,
    customer_ids: Iterable[int] | None = None,
) -> RefreshResult:
    """Mine every customer's (or the given customers') occasions and store them.

    Side effects: creates, updates and deletes `Occasion` rows in chunked transactions; rolls
    every kept occasion's `next_date` forward; one audit entry for the run.
    """
    today = today or timezone.localdate()
    as_of = today.toordinal()
    ids = list(customer_ids) if customer_ids is not None else None
    days = purchase_days(ids)
    first = Order.objects.filter(kind=OrderKind.ORDER).order_by("placed_at").first()
    data_start = timezone.localtime(first.placed_at).date().toordinal() if first else as_of
    found = mining.mine(
        {str(c): d for c, d in days.items()}, as_of=as_of, data_start=min(data_start, as_of)
    )
    moments = {int(c): m for c, m in found.items()}
    targets = set(days) | set(
        Occasion.objects.filter(kind=OccasionKind.MINED).values_list("customer_id", flat=True)
    )
    if ids is not None:
        targets &= set(ids)
    birthdays = _birthday_customers(ids)
    targets |= set(birthdays)
    targets |= set(
        Occasion.objects.exclude(kind=OccasionKind.MINED).values_list("customer_id", flat=True)
    )
    if ids is not None:
        targets &= set(ids)
    created = updated = removed = 0
    ordered = sorted(targets)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        c, u, r = _store_chunk(chunk, moments, birthdays, today)
        created, updated, removed = created + c, updated + u, removed + r
    audit.record(
        action="occasions.refreshed",
        actor=actor,
        summary=f"Occasions refreshed for {len(ordered)} customers: "
        f"{created} new, {updated} updated, {removed} removed",
        data={"created": created, "updated": updated, "removed": removed},
    )
    return RefreshResult(customers=len(ordered), created=created, updated=updated, removed=removed)


def _birthday_customers(ids: list[int] | None) -> dict[int, tuple[int, int]]:
    """(month, day) of the birthday of customers who gave one and agreed to marketing mail."""
    consenting = Consent.objects.filter(purpose=Purpose.MARKETING, granted=True).values(
        "contact_point__customer_id"
    )
    people = (
        Customer.objects.active()
        .filter(pk__in=consenting)
        .exclude(birthday__isnull=True, birth_month__isnull=True)
    )
    if ids is not None:
        people = people.filter(pk__in=ids)
    out: dict[int, tuple[int, int]] = {}
    for pk, birthday, month in people.values_list("pk", "birthday", "birth_month"):
        if birthday is not None:
            out[pk] = (birthday.month, birthday.day)
        elif month is not None:
            out[pk] = (month, 1)
    return out


def _store_chunk(
    chunk: list[int],
    moments: dict[int, list[mining.Moment]],
    birthdays: dict[int, tuple[int, int]],
    today: datetime.date,
) -> tuple[int, int, int]:
    now = timezone.now()
    created: list[Occasion] = []
    changed: list[Occasion] = []
    gone: list[int] = []
    with transaction.atomic():
        existing: dict[int, list[Occasion]] = {}
        for occasion in Occasion.objects.select_for_update().filter(customer_id__in=chunk):
            existing.setdefault(occasion.customer_id, []).append(occasion)
        for customer_id in chunk:
            rows = existing.get(customer_id, [])
            mined = [o for o in rows if o.kind == OccasionKind.MINED]
            matched: set[int] = set()
            for moment in moments.get(customer_id, []):
                date = datetime.date.fromordinal(moment.date)
                sources = [datetime.date.fromordinal(d).isoformat() for d in moment.source_days]
                row = _closest(mined, date, sources, matched)
                stats = {
                    "strength": Decimal(str(moment.strength)).quantize(Decimal("0.0001")),
                    "repetitions": moment.repetitions,
                    "lead_days": min(moment.lead_days, 60),
                    "source_dates": sources,
                    "mined_at": now,
                }
                if row is None:
                    created.append(
                        Occasion(
                            customer_id=customer_id,
                            kind=OccasionKind.MINED,
                            month=date.month,
                            day=date.day,
                            next_date=date,
                            **stats,
                        )
                    )
                    continue
                matched.add(row.pk)
                for field, value in stats.items():
                    setattr(row, field, value)
                if row.edited_at is None:
                    row.month, row.day, row.next_date = date.month, date.day, date
                else:
                    row.next_date = next_occurrence(row.month, row.day, today)
                changed.append(row)
            for row in mined:
                if row.pk in matched:
                    continue
                if row.edited_at is None and row.enabled:
                    gone.append(row.pk)  # no longer a moment, and the customer never touched it
                else:
                    row.next_date = next_occurrence(row.month, row.day, today)
                    changed.append(row)
            birthday = birthdays.get(customer_id)
            current = next((o for o in rows if o.kind == OccasionKind.BIRTHDAY), None)
            if birthday and current is None:
                month, day = birthday
                created.append(
                    Occasion(
                        customer_id=customer_id,
                        kind=OccasionKind.BIRTHDAY,
                        month=month,
                        day=day,
                        next_date=next_occurrence(month, day, today),
                        lead_days=7,
                    )
                )
            elif current is not None and not birthday and current.edited_at is None:
                gone.append(current.pk)  # consent withdrawn or birthday removed
            for row in rows:
                if row.kind != OccasionKind.MINED and row.pk not in gone:
                    if birthday and row.kind == OccasionKind.BIRTHDAY and row.edited_at is None:
                        row.month, row.day = birthday
                    row.next_date = next_occurrence(row.month, row.day, today)
                    changed.append(row)
        Occasion.objects.filter(pk__in=gone).delete()
        Occasion.objects.bulk_create(created, batch_size=1000)
        Occasion.objects.bulk_update(
            changed,
            [
                "month",
                "day",
                "next_date",
                "strength",
                "repetitions",
                "lead_days",
                "source_dates",
                "mined_at",
            ],
            batch_size=1000,
        )
    return len(created), len(changed), len(gone)


def _closest(
    rows: list[Occasion], date: datetime.date, sources: list[str], taken: set[int]
) -> Occasion | None:
    """The stored mined occasion behind the same past purchases (so one the customer moved is
    still recognised), else the one within half a mining window of `date` on the calendar."""
    free = [row for row in rows if row.pk not in taken]
    for row in free:
        if set(row.source_dates) & set(sources):
            return row
    best: tuple[int, Occasion] | None = None
    for row in free:
        try:
            same_year = datetime.date(date.year, row.month, row.day)
        except ValueError:
            same_year = datetime.date(date.year, row.month, 28)
        gap = abs((same_year - date).days)
        gap = min(gap, 365 - gap)
        if gap <= mining.Settings().window_days // 2 and (best is None or gap < best[0]):
            best = (gap, row)
    return best[1] if best else None


def update_occasion(
    *,
    occasion: Occasion,
    actor: Any,
    enabled: bool,
    name: str | None = None,
    date: datetime.date | None = None,
) -> Occasion:
    """The customer (or staff for them) turns an occasion's reminder on or off, renames it or
    moves its date. A moved or renamed occasion is theirs from then on: mining keeps it.
    Raises OccasionError for a name too long."""
    name = (name or "").strip() if name is not None else None
    if name is not None and len(name) > 80:
        raise OccasionError(_("Keep the name under 80 characters."))
    with transaction.atomic():
        row = Occasion.objects.select_for_update().get(pk=occasion.pk)
        row.enabled = enabled
        fields = ["enabled", "updated_at"]
        if name is not None and name != row.name:
            row.name = name
            row.edited_at = timezone.now()
            fields += ["name", "edited_at"]
        if date is not None and (date.month, date.day) != (row.month, row.day):
            row.month, row.day = date.month, date.day
            row.next_date = next_occurrence(date.month, date.day, timezone.localdate())
            row.edited_at = timezone.now()
            fields += ["month", "day", "next_date", "edited_at"]
        row.save(update_fields=list(dict.fromkeys(fields)))
        audit.record(
            action="occasion.updated",
            actor=actor,
            target=row,
            customer=row.customer,
            summary=f"Occasion {row} " + ("on" if row.enabled else "turned off"),
        )
        return row


def declare_occasion(
    *, customer: Customer, actor: Any, name: str, date: datetime.date, lead_days: int = 7
) -> Occasion:
    """The customer adds a date of their own ("our anniversary"), reminded yearly."""
    name = name.strip()
    if not name or len(name) > 80:
        raise OccasionError(_("Give the occasion a name (at most 80 characters)."))
    if not 0 <= lead_days <= 60:
        raise OccasionError(_("Remind between 0 and 60 days before."))
    with transaction.atomic():
        occasion = Occasion.objects.create(
            customer=customer,
            kind=OccasionKind.DECLARED,
            name=name,
            month=date.month,
            day=date.day,
            next_date=next_occurrence(date.month, date.day, timezone.localdate()),
            lead_days=lead_days,
            edited_at=timezone.now(),
        )
        audit.record(
            action="occasion.declared",
            actor=actor,
            target=occasion,
            customer=customer,
            summary=f"Occasion “{name}” added",
        )
        return occasion
