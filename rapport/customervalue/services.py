"""Writes: refresh every customer's predicted value and VIP proposal; confirm a VIP tier."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.roles import is_employee
from rapport.core import audit
from rapport.customers.models import Customer
from rapport.customervalue import model
from rapport.customervalue.history import History, day_number
from rapport.customervalue.models import CustomerValue, VipTier
from rapport.orders.models import Order, OrderKind, OrderStatus

HORIZON_DAYS = 365
STRATEGIC_SHARE = 0.01  # top 1 % by predicted value
IMPORTANT_SHARE = 0.10  # top 10 %
MIN_VIP_VALUE = Decimal("500.00")


class VipError(Exception):
    """A VIP change that cannot be made; the message is safe to show to staff."""


def store_history() -> History | None:
    """The store's orders as a purchase history (net per customer and day); None when empty."""
    rows = (
        Order.objects.filter(customer__isnull=False)
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(day=TruncDate("placed_at"))
        .values("customer_id", "day")
        .annotate(
            amount=Sum("total"),
            n=Count("id"),
            credit=Count("id", filter=Q(kind=OrderKind.CREDIT_NOTE)),
        )
    )
    cells = [(r["customer_id"], r["day"], r["amount"], r["n"], r["credit"]) for r in rows]
    if not cells:
        return None
    ids = sorted({c[0] for c in cells})
    index = {pk: i for i, pk in enumerate(ids)}
    uk = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "country"))
    return History(
        customer_ids=[str(pk) for pk in ids],
        customer=np.array([index[c[0]] for c in cells], dtype=np.int64),
        day=np.array([day_number(c[1]) for c in cells], dtype=np.int64),
        amount=np.array([float(c[2] or 0) for c in cells], dtype=float),
        lines=np.array([c[3] for c in cells], dtype=float),
        credit=np.array([c[4] for c in cells], dtype=float),
        uk=np.array([uk.get(pk) == "United Kingdom" for pk in ids], dtype=float),
    )


def refresh_customer_values(*, today: datetime.date | None = None) -> int:
    """Predict every buying customer's next-12-month spend and propose VIP tiers.

    Top 1 % by predicted value (and at least `MIN_VIP_VALUE`) → strategic partner, top 10 % →
    important; the proposal waits for a manager (`confirm_vip`). Returns customers scored.
    """
    history = store_history()
    if history is None:
        return 0
    cutoff = day_number(today or timezone.localdate()) + 1
    result = model.predict(history, cutoff, HORIZON_DAYS)
    last_year = model.spend_between(history, cutoff - 365, cutoff)
    order = np.argsort(-result.ours, kind="stable")
    n = len(order)
    now = timezone.now()
    rows: dict[int, dict[str, Any]] = defaultdict(dict)
    for rank, i in enumerate(order, start=1):
        idx = int(result.customers[i])
        value = Decimal(str(round(float(result.ours[i]), 2)))
        tier = ""
        if value >= MIN_VIP_VALUE and rank <= max(1, int(n * STRATEGIC_SHARE)):
            tier = VipTier.STRATEGIC
        elif value >= MIN_VIP_VALUE and rank <= max(1, int(n * IMPORTANT_SHARE)):
            tier = VipTier.IMPORTANT
        rows[int(history.customer_ids[idx])] = {
            "predicted_12m": value,
            "spend_last_12m": Decimal(str(round(float(max(last_year[idx], 0)), 2))),
            "value_rank": rank,
            "proposed_tier": tier,
            "proposal_reasons": [
                {"code": "predicted", "value": str(value)},
                {"code": "rank", "rank": rank, "of": n},
                {"code": "last_year", "value": str(round(float(last_year[idx]), 2))},
            ]
            if tier
            else [],
        }
    with transaction.atomic():
        existing = {v.customer_id: v for v in CustomerValue.objects.filter(customer_id__in=rows)}
        fields = list(next(iter(rows.values())))
        create: list[CustomerValue] = []
        update: list[CustomerValue] = []
        for pk, values in rows.items():
            row = existing.get(pk) or CustomerValue(customer_id=pk)
            for key, value in values.items():
                setattr(row, key, value)
            row.computed_at = now
            (update if row.pk else create).append(row)
        CustomerValue.objects.bulk_create(create, batch_size=1000)
        CustomerValue.objects.bulk_update(update, [*fields, "computed_at"], batch_size=1000)
    return len(rows)


def confirm_vip(
    *, customer: Customer, tier: str, reason: str, account_manager: Any, actor: Any
) -> CustomerValue:
    """A manager confirms (or removes, `tier=""`) a customer's VIP tier, with a reason, and
    names an employee as the account manager. Keeps `Customer.is_vip` in step. Audited on the
    timeline. Raises `VipError` for an unknown tier, a missing reason or a non-employee."""
    reason = (reason or "").strip()
    if tier not in VipTier.values:
        raise VipError(_("Choose a VIP tier."))
    if not reason:
        raise VipError(_("Give a reason."))
    if tier and (account_manager is None or not is_employee(account_manager)):
        raise VipError(_("Choose an employee as the account manager."))
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        row, _created = CustomerValue.objects.get_or_create(customer=locked)
        before = row.tier
        row.tier, row.tier_reason = tier, reason
        row.account_manager = account_manager if tier else None
        row.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
        row.confirmed_at = timezone.now()
        row.save()
        locked.is_vip = bool(tier)
        locked.save(update_fields=["is_vip", "updated_at"])
        audit.record(
            action="vip.confirmed" if tier else "vip.removed",
            actor=actor,
            target=row,
            customer=locked,
            summary=(
                f"VIP tier {tier} (was {before or 'none'}), account manager "
                f"{account_manager}: {reason}"
                if tier
                else f"VIP tier removed (was {before or 'none'}): {reason}"
            ),
            data={"before": before, "after": tier, "reason": reason},
        )
        return row
