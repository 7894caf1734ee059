"""Store-credit top-ups by staff, capped: an employee adds at most
`RAPPORT_TOPUP_APPROVAL_OVER` per top-up and `RAPPORT_TOPUP_DAILY_LIMIT` per day on their own;
anything beyond waits for a manager's approval. Managers top up directly (audited).

Lock order: the employee's user row (serialises one employee's top-ups, so two concurrent
requests cannot both fit under the same day's cap) → the wallet (`services.top_up_wallet`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.roles import is_manager
from rapport.core import audit
from rapport.core.money import to_money
from rapport.customers.models import Customer
from rapport.payments.models import (
    TopUpRequest,
    TopUpRequestStatus,
    WalletEntry,
    WalletEntryKind,
)
from rapport.payments.services import PaymentError, top_up_wallet


@dataclass(frozen=True)
class TopUpOutcome:
    """Either the wallet entry (applied) or the request waiting for a manager."""

    entry: WalletEntry | None = None
    request: TopUpRequest | None = None


def topped_up_today(actor: Any) -> Decimal:
    """What `actor` has added to wallets on their own today (local day)."""
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    total = WalletEntry.objects.filter(
        actor=actor, kind=WalletEntryKind.TOP_UP, created_at__gte=start
    ).aggregate(s=Sum("amount"))["s"]
    return to_money(total or 0)


def request_top_up(
    *, customer: Customer, amount: Decimal, actor: Any, note: str = ""
) -> TopUpOutcome:
    """Add store credit now if it fits the employee's limits, else file it for approval.

    Raises `PaymentError` for a non-positive amount. Audit-logged either way.
    """
    amount = to_money(amount)
    if amount <= 0:
        raise PaymentError(_("A top-up must be a positive amount."))
    if is_manager(actor):
        entry = top_up_wallet(customer=customer, amount=amount, actor=actor, note=note)
        return TopUpOutcome(entry=entry)
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=actor.pk)
        threshold = to_money(settings.RAPPORT_TOPUP_APPROVAL_OVER)
        daily = to_money(settings.RAPPORT_TOPUP_DAILY_LIMIT)
        if amount <= threshold and topped_up_today(actor) + amount <= daily:
            entry = top_up_wallet(customer=customer, amount=amount, actor=actor, note=note)
            return TopUpOutcome(entry=entry)
        pending = TopUpRequest.objects.create(
            customer=customer, amount=amount, note=note[:255], requested_by=actor
        )
        audit.record(
            action="wallet.top_up_requested",
            actor=actor,
            target=pending,
            customer=customer,
            summary=f"Store credit +{amount} waits for a manager's approval",
            data={"amount": str(amount)},
        )
        return TopUpOutcome(request=pending)


def decide_top_up(*, request: TopUpRequest, approve: bool, actor: Any) -> TopUpRequest:
    """A manager approves (the credit is added, once) or rejects a waiting top-up. Raises
    `PaymentError` for a non-manager or a request already decided."""
    if not is_manager(actor):
        raise PaymentError(_("Only a manager can approve store credit."))
    with transaction.atomic():
        locked = TopUpRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != TopUpRequestStatus.PENDING:
            raise PaymentError(_("This top-up has already been decided."))
        if approve:
            locked.entry = top_up_wallet(
                customer=locked.customer,
                amount=locked.amount,
                actor=actor,
                note=(locked.note or _("Approved top-up"))[:255],
            )
        locked.status = TopUpRequestStatus.APPROVED if approve else TopUpRequestStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at", "entry", "updated_at"])
        audit.record(
            action=f"wallet.top_up_{locked.status}",
            actor=actor,
            target=locked,
            customer=locked.customer,
            summary=f"Store credit +{locked.amount} {locked.status}",
            data={"amount": str(locked.amount), "requested_by": locked.requested_by_id},
        )
        return locked


def pending_top_ups() -> list[TopUpRequest]:
    """Top-ups waiting for a manager, oldest first."""
    return list(
        TopUpRequest.objects.filter(status=TopUpRequestStatus.PENDING)
        .select_related("customer", "requested_by")
        .order_by("created_at", "id")
    )
