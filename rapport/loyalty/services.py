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

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.core.sql import column, db_value, table
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


def expire_points(*, today: datetime.date | None = None, batch_size: int = 5000) -> int:
    """Expire what is left of points past their date; returns the points expired.

    Points are spent oldest first, so what is left of the lots due by `today` is their sum
    minus everything spent, taken back or already expired (every negative entry). Accounts are
    handled in batches, three statements each, whatever the batch's size: lock the accounts in
    id order, one `INSERT … SELECT` that appends the expiry entries computed from the ledger,
    one `UPDATE … FROM` that moves the cached balances by exactly those entries."""
    today = today or timezone.localdate()
    due_accounts = list(
        PointsEntry.objects.filter(expires_on__lt=today, points__gt=0)
        .order_by("account_id")
        .values_list("account_id", flat=True)
        .distinct()
    )
    total = 0
    for start in range(0, len(due_accounts), batch_size):
        total += _expire_batch(due_accounts[start : start + batch_size], today)
    return total


def _expire_batch(account_ids: list[int], today: datetime.date) -> int:
    accounts, entries = table(PointsAccount), table(PointsEntry)
    a_id, a_balance = column(PointsAccount, "id"), column(PointsAccount, "balance")
    e_id, e_account = column(PointsEntry, "id"), column(PointsEntry, "account")
    e_points, e_due = column(PointsEntry, "points"), column(PointsEntry, "expires_on")
    ids = ", ".join(["%s"] * len(account_ids))
    now = db_value(PointsEntry, "created_at", timezone.now())
    with transaction.atomic():
        # The lock first, in a statement of its own: a checkout spending these points either
        # committed before it (and the ledger read below, a new statement, sees its entry) or
        # waits for this batch to commit (and then sees the lower balance).
        list(
            PointsAccount.objects.select_for_update()
            .filter(pk__in=account_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {entries} ({e_account}, {column(PointsEntry, "kind")}, {e_points},
                    {column(PointsEntry, "balance_after")}, {column(PointsEntry, "created_at")})
                SELECT t.account, %s, -t.expire, t.balance - t.expire, %s
                FROM (
                    SELECT a.{a_id} AS account, a.{a_balance} AS balance,
                        CASE WHEN s.left_over < a.{a_balance} THEN s.left_over
                             ELSE a.{a_balance} END AS expire
                    FROM {accounts} a
                    JOIN (
                        SELECT {e_account} AS account,
                            SUM(CASE WHEN {e_points} > 0 AND {e_due} < %s THEN {e_points}
                                     WHEN {e_points} < 0 THEN {e_points} ELSE 0 END
                            ) AS left_over
                        FROM {entries}
                        WHERE {e_account} IN ({ids})
                        GROUP BY {e_account}
                    ) s ON s.account = a.{a_id}
                ) t
                WHERE t.expire > 0
                RETURNING {e_id}, {e_points}
                """,  # noqa: S608
                [K.EXPIRED, now, db_value(PointsEntry, "expires_on", today), *account_ids],
            )
            added = cursor.fetchall()
            if not added:
                return 0
            cursor.execute(
                f"""
                UPDATE {accounts}
                SET {a_balance} = {accounts}.{a_balance} + e.{e_points},
                    {column(PointsAccount, "updated_at")} = %s
                FROM {entries} e
                WHERE e.{e_account} = {accounts}.{a_id}
                  AND e.{e_id} IN ({", ".join(["%s"] * len(added))})
                """,  # noqa: S608
                [db_value(PointsAccount, "updated_at", timezone.now()), *(pk for pk, _p in added)],
            )
        return -sum(points for _pk, points in added)
