"""Writes to the points ledger: earn on delivery, spend at checkout, reverse on refunds, expire.

Every change locks the customer's `PointsAccount` row, appends one entry and moves the cached
balance with it, so two checkouts spending the same points queue on the lock and the second
finds them gone. Callers: `checkout.services.place_order` (spend), `orders.lifecycle` (earn on
delivery), `orders.refunds.refund_order` (reverse), the nightly beat task (expire).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.customers.models import Customer
from rapport.customervalue.models import CustomerValue
from rapport.loyalty import rules
from rapport.loyalty.models import PointsAccount, PointsEntry
from rapport.loyalty.models import PointsEntryKind as K
from rapport.orders.models import LineKind, Order, OrderLine, Refund


class PointsError(Exception):
    """Points that cannot be spent; the message is safe to show. Nothing was written."""


@dataclass(frozen=True)
class PointsDiscount:
    """Points spent on an order, as a discount `orders.netting` spreads over every line."""

    points: int
    amount: Decimal
    code: str = "points"

    @property
    def label(self) -> str:
        return _("Loyalty points (%(points)s)") % {"points": self.points}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked(customer: Customer) -> PointsAccount:
    PointsAccount.objects.get_or_create(customer=customer)
    return PointsAccount.objects.select_for_update().get(customer=customer)


def _add(
    account: PointsAccount,
    kind: str,
    points: int,
    *,
    actor: Any,
    order: Order | None = None,
    expires_on: datetime.date | None = None,
) -> PointsEntry:
    # F() keeps the update right even without the lock; the lock keeps `balance_after` exact
    # and the check constraint refuses a negative balance.
    PointsAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + points, updated_at=timezone.now()
    )
    account.balance += points
    return PointsEntry.objects.create(
        account=account,
        kind=kind,
        points=points,
        balance_after=account.balance,
        order=order,
        expires_on=expires_on,
        actor=_user(actor),
    )


def _expiry(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(
        days=int(rules.setting("expiry_days"))
    )


def reserve_points(*, customer: Customer, points: int, goods: Decimal) -> PointsDiscount | None:
    """Lock the customer's points and check `points` may pay for goods worth `goods` (inside the
    order's transaction; `spend_points` then records them). None for no points."""
    if points <= 0:
        return None
    account = _locked(customer)
    if points > account.balance:
        raise PointsError(
            _("You have %(balance)s points, not %(points)s.")
            % {"balance": account.balance, "points": points}
        )
    most = rules.most_points_for(goods, account.balance)
    if points > most:
        raise PointsError(_("This order can take at most %(most)s points.") % {"most": most})
    return PointsDiscount(points=points, amount=rules.value_of(points))


def spend_points(
    *, customer: Customer, order: Order, discount: PointsDiscount, actor: Any
) -> PointsEntry:
    """Record points reserved by `reserve_points` as spent on `order` (same transaction)."""
    account = _locked(customer)
    if discount.points > account.balance:
        raise PointsError(_("Those points have already been spent."))
    entry = _add(account, K.REDEEMED, -discount.points, actor=actor, order=order)
    audit.record(
        action="loyalty.redeemed",
        actor=actor,
        target=order,
        customer=customer,
        summary=f"{discount.points} points spent on order {order.number} ({discount.amount})",
        data={"points": discount.points, "amount": str(discount.amount)},
    )
    return entry


def credit_order_points(*, order: Order, actor: Any) -> PointsEntry | None:
    """Credit the points a delivered order earns (once per order): the tier's rate times the
    net amounts of its product lines (after bundle, price-list and points discounts)."""
    if order.customer is None:
        return None
    with transaction.atomic():
        account = _locked(order.customer)
        if PointsEntry.objects.filter(order=order, kind=K.EARNED).exists():
            return None
        net = OrderLine.objects.filter(order=order, kind=LineKind.PRODUCT).aggregate(
            s=Sum("net_total")
        )["s"] or Decimal(0)
        tier = (
            CustomerValue.objects.filter(customer=order.customer)
            .values_list("tier", flat=True)
            .first()
            or ""
        )
        points = rules.points_earned(net, tier)
        if points <= 0:
            return None
        entry = _add(account, K.EARNED, points, actor=actor, order=order, expires_on=_expiry())
        audit.record(
            action="loyalty.earned",
            actor=actor,
            target=order,
            customer=order.customer,
            summary=f"{points} points earned on order {order.number}",
            data={"points": points, "net": str(net), "tier": tier},
        )
        return entry


def _points_of(order: Order, kind: str) -> int:
    return int(
        PointsEntry.objects.filter(order=order, kind=kind).aggregate(s=Sum("points"))["s"] or 0
    )


def reverse_for_refunds(*, order: Order, actor: Any) -> None:
    """After a refund on `order` (locked by the caller): take back the share of its earned
    points and give back the share of its spent points that the money refunded so far is of
    the order's total (cumulative, so several partial refunds add up exactly). Earned points
    already spent are taken back only as far as the balance goes: it never drops below zero."""
    if order.customer is None:
        return
    refunded = Refund.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    share = refunded / order.total if order.total > 0 else Decimal(1)
    with transaction.atomic():
        account = _locked(order.customer)
        earned = _points_of(order, K.EARNED)
        taken = -_points_of(order, K.EARN_REVERSED)
        take = min(rules.cumulative_share(earned, share) - taken, account.balance)
        if take > 0:
            _add(account, K.EARN_REVERSED, -take, actor=actor, order=order)
        spent = -_points_of(order, K.REDEEMED)
        restored = _points_of(order, K.REDEEM_RESTORED)
        give = rules.cumulative_share(spent, share) - restored
        if give > 0:
            _add(account, K.REDEEM_RESTORED, give, actor=actor, order=order, expires_on=_expiry())
        if take > 0 or give > 0:
            audit.record(
                action="loyalty.reversed",
                actor=actor,
                target=order,
                customer=order.customer,
                summary=f"Order {order.number} refunded: {max(take, 0)} earned points taken "
                f"back, {max(give, 0)} spent points given back",
                data={"taken": max(take, 0), "given": max(give, 0), "share": str(share)},
            )


def expire_points(*, today: datetime.date | None = None, batch_size: int = 2000) -> int:
    """Expire what is left of points past their date; returns the points expired.

    Points are spent oldest first, so what is left of the lots due by `today` is their sum
    minus everything spent or taken back so far and minus what already expired. Accounts are
    handled in batches: locked in id order, one grouped read of their ledgers, one bulk insert
    of the expiry entries and one bulk update of the balances per batch."""
    today = today or timezone.localdate()
    due_accounts = sorted(
        set(
            PointsEntry.objects.filter(expires_on__lt=today, points__gt=0).values_list(
                "account_id", flat=True
            )
        )
    )
    total = 0
    for start in range(0, len(due_accounts), batch_size):
        total += _expire_batch(due_accounts[start : start + batch_size], today)
    return total


def _expire_batch(account_ids: list[int], today: datetime.date) -> int:
    with transaction.atomic():
        accounts = {
            a.pk: a
            for a in PointsAccount.objects.select_for_update()
            .filter(pk__in=account_ids)
            .order_by("pk")
        }
        sums = (
            PointsEntry.objects.filter(account_id__in=account_ids)
            .values("account_id")
            .annotate(
                due=Sum("points", filter=Q(points__gt=0, expires_on__lt=today)),
                used=Sum("points", filter=Q(points__lt=0) & ~Q(kind=K.EXPIRED)),
                expired=Sum("points", filter=Q(kind=K.EXPIRED)),
            )
        )
        now = timezone.now()
        entries, changed = [], []
        for row in sums:
            account = accounts[row["account_id"]]
            left = (row["due"] or 0) + (row["used"] or 0) + (row["expired"] or 0)
            points = min(left, account.balance)
            if points <= 0:
                continue
            account.balance -= points
            account.updated_at = now
            changed.append(account)
            entries.append(
                PointsEntry(
                    account=account,
                    kind=K.EXPIRED,
                    points=-points,
                    balance_after=account.balance,
                )
            )
        PointsEntry.objects.bulk_create(entries)
        PointsAccount.objects.bulk_update(changed, ["balance", "updated_at"])
        return -sum(e.points for e in entries)
