"""Writes of the credit domain: ratings (refresh, override), the policy, invoices, reminders.

Every grade change keeps the customer's `CreditAccount` (payments) in step, so what checkout
offers changes in the same transaction as the grade.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.core.sql import column, table
from rapport.credit import rating, set_based
from rapport.credit.models import (
    COMPONENTS,
    GRADE_ORDER,
    CreditPolicy,
    CreditRating,
    Invoice,
)
from rapport.customers.models import Customer
from rapport.payments.models import CreditAccount, Payment, PaymentStatus
from rapport.payments.services import settle_pending_payment

BATCH = 2000


class CreditError(Exception):
    """A credit change that cannot be made; the message is safe to show to staff."""


def get_policy() -> CreditPolicy:
    """The policy row, created with the defaults on first use."""
    policy, _created = CreditPolicy.objects.get_or_create(pk=1)
    return policy


def _sync_account(customer_id: int, grade: str, policy: CreditPolicy) -> None:
    days, limit = policy.credit_days(grade), policy.credit_limit(grade)
    if days > 0 and limit > 0:
        CreditAccount.objects.update_or_create(
            customer_id=customer_id, defaults={"allowed": True, "days": days, "limit": limit}
        )
    else:
        CreditAccount.objects.filter(customer_id=customer_id, allowed=True).update(
            allowed=False, updated_at=timezone.now()
        )


def _sync_accounts(grades: list[tuple[int, str]], policy: CreditPolicy) -> None:
    """`_sync_account` for many customers: one read, then bulk writes where terms differ."""
    if not grades:
        return
    accounts = {
        a.customer_id: a
        for a in CreditAccount.objects.filter(customer_id__in=[pk for pk, _g in grades])
    }
    now = timezone.now()
    create: list[CreditAccount] = []
    update: list[CreditAccount] = []
    for pk, grade in grades:
        days, limit = policy.credit_days(grade), policy.credit_limit(grade)
        account = accounts.get(pk)
        if days > 0 and limit > 0:
            if account is None:
                create.append(CreditAccount(customer_id=pk, allowed=True, days=days, limit=limit))
            elif (account.allowed, account.days, account.limit) != (True, days, limit):
                account.allowed, account.days, account.limit = True, days, limit
                update.append(account)
        elif account is not None and account.allowed:
            account.allowed = False
            update.append(account)
    for account in update:
        account.updated_at = now
    CreditAccount.objects.bulk_create(create, batch_size=1000)
    CreditAccount.objects.bulk_update(
        update, ["allowed", "days", "limit", "updated_at"], batch_size=1000
    )


def _stored(customer_ids: list[int] | None) -> dict[int, tuple[str, Decimal, Any]]:
    """What is stored now, read without locks: (computed grade, score, reasons) per customer."""
    rows = CreditRating.objects.all()
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=customer_ids)
    return {
        pk: (grade, score, reasons)
        for pk, grade, score, reasons in rows.values_list(
            "customer_id", "computed_grade", "score", "reasons"
        ).iterator(chunk_size=10_000)
    }


def _update_ratings(rows: list[CreditRating], now: datetime.datetime) -> None:
    """Write recomputed ratings: on PostgreSQL one `UPDATE … FROM (VALUES …)` per 1,000 rows
    (`bulk_update`'s CASE per row and field cost more than the rest of the refresh)."""
    if connection.vendor != "postgresql":
        CreditRating.objects.bulk_update(
            rows, ["computed_grade", "grade", "score", "reasons", "computed_at", "updated_at"], 500
        )
        return
    ratings = table(CreditRating)
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        values = ", ".join(["(%s, %s, %s, %s::numeric, %s::jsonb)"] * len(chunk))
        params: list[Any] = []
        for row in chunk:
            params += [row.pk, row.computed_grade, row.grade, row.score, json.dumps(row.reasons)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {ratings} AS r
                SET {column(CreditRating, "computed_grade")} = v.computed_grade,
                    {column(CreditRating, "grade")} = v.grade,
                    {column(CreditRating, "score")} = v.score,
                    {column(CreditRating, "reasons")} = v.reasons,
                    {column(CreditRating, "computed_at")} = %s,
                    {column(CreditRating, "updated_at")} = %s
                FROM (VALUES {values}) AS v (id, computed_grade, grade, score, reasons)
                WHERE r.{column(CreditRating, "id")} = v.id
                """,  # noqa: S608
                [now, now, *params],
            )


def refresh_ratings(
    *, customer_ids: Iterable[int] | None = None, actor: Any = None
) -> dict[str, int]:
    """Recompute the rating of the given customers (every active customer when None).

    Reads every input in a few grouped queries and what is stored in one more, computes every
    rating, and only then writes, and only where something changed (grade, score or reasons):
    those customers are locked and rewritten in batches of `BATCH`, one transaction each. Each
    customer whose effective grade changed gets one audit entry on their timeline, and each new
    or regraded customer's credit account is brought in line. On PostgreSQL a batch is a few
    set-based statements (`credit.set_based`); elsewhere the ORM writes it
    (`_write_batch_orm`); both write the same rows. Returns counts (rated, created, changed).
    """
    policy = get_policy()
    scope = None if customer_ids is None else list(customer_ids)
    facts = rating.gather(scope)
    stored = _stored(scope)
    now = timezone.now()
    results: dict[int, rating.Result] = {}
    for pk in sorted(facts):
        result = rating.rate(facts[pk], policy, now)
        if stored.get(pk) != (result.grade, result.score, result.reasons):
            results[pk] = result
    counts = {"rated": len(facts), "created": 0, "changed": 0}
    write = set_based.write_batch if connection.vendor == "postgresql" else _write_batch_orm
    ids = list(results)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            created, changed = write(chunk, results, policy, now, actor)
        counts["created"] += created
        counts["changed"] += changed
    return counts


def _write_batch_orm(
    chunk: list[int],
    results: dict[int, rating.Result],
    policy: CreditPolicy,
    now: datetime.datetime,
    actor: Any,
) -> tuple[int, int]:
    """Write one batch of recomputed ratings through the ORM (any database): lock the stored
    rows, insert the new ones, update the others, sync credit accounts, audit grade changes.
    Returns (created, grade changes)."""
    existing = {
        r.customer_id: r
        for r in CreditRating.objects.select_for_update()
        .filter(customer_id__in=chunk)
        .order_by("customer_id")
    }
    create, update, changed = [], [], []
    for pk in chunk:
        result = results[pk]
        row = existing.get(pk)
        if row is None:
            row = CreditRating(customer_id=pk, computed_at=now)
            before = policy.unrated_grade
            create.append(row)
        else:
            before = row.grade
            update.append(row)
        row.computed_grade, row.score = result.grade, result.score
        row.reasons, row.computed_at = result.reasons, now
        row.grade = row.effective_grade()
        if row.grade != before or row.pk is None:
            changed.append((pk, before, row))
    CreditRating.objects.bulk_create(create, batch_size=1000)
    _update_ratings(update, now)
    _sync_accounts([(pk, row.grade) for pk, _before, row in changed], policy)
    entries = [
        {
            "action": "credit.rated",
            "actor": actor,
            "customer": Customer(pk=pk),
            "summary": f"Credit rating {before} → {row.grade} (score {row.score})",
            "data": {"before": before, "after": row.grade, "score": str(row.score)},
        }
        for pk, before, row in changed
        if before != row.grade
    ]
    audit.record_many(entries)
    return len(create), len(entries)


def refresh_rating(*, customer: Customer, actor: Any = None) -> CreditRating:
    """Recompute one customer's rating now (after a payment, an overdue invoice, an order)."""
    refresh_ratings(customer_ids=[customer.pk], actor=actor)
    return CreditRating.objects.get(customer=customer)


def override_rating(*, customer: Customer, grade: str, reason: str, actor: Any) -> CreditRating:
    """A manager sets the grade by hand, with a reason; `grade=""` removes the override.

    Audited on the customer's timeline; the credit account follows at once. Raises
    `CreditError` for an unknown grade or a missing reason.
    """
    reason = (reason or "").strip()
    if grade and grade not in GRADE_ORDER:
        raise CreditError(_("Choose a grade from A to E."))
    if grade and not reason:
        raise CreditError(_("Give a reason for the override."))
    if not CreditRating.objects.filter(customer=customer).exists():
        refresh_ratings(customer_ids=[customer.pk], actor=actor)
    policy = get_policy()
    with transaction.atomic():
        locked = CreditRating.objects.select_for_update().get(customer=customer)
        before = locked.grade
        locked.override_grade = grade
        locked.override_reason = reason if grade else ""
        locked.override_by = actor if grade and getattr(actor, "is_authenticated", False) else None
        locked.override_at = timezone.now() if grade else None
        # An overdue invoice keeps the grade at E even over an override (settle it first).
        locked.grade = locked.effective_grade()
        locked.save(
            update_fields=[
                "grade",
                "override_grade",
                "override_reason",
                "override_by",
                "override_at",
                "updated_at",
            ]
        )
        _sync_account(customer.pk, locked.grade, policy)
        audit.record(
            action="credit.overridden" if grade else "credit.override_removed",
            actor=actor,
            target=locked,
            customer=customer,
            summary=(
                f"Credit rating set to {grade} by hand (was {before}): {reason}"
                if grade
                else f"Credit rating override removed ({before} → {locked.grade})"
            ),
            data={"before": before, "after": locked.grade, "reason": reason},
        )
        return locked


def update_policy(
    *,
    weights: dict[str, Any],
    thresholds: dict[str, Any],
    terms: dict[str, dict[str, Any]],
    actor: Any,
) -> CreditPolicy:
    """A manager changes weights, thresholds or terms. Validates everything first (raises
    `CreditError`, nothing written); audited. Ratings follow at the next refresh."""
    try:
        clean_weights = {n: float(weights.get(n, 0)) for n in COMPONENTS}
        clean_thresholds = {g: float(thresholds[g]) for g in GRADE_ORDER[:-1]}
        clean_terms: dict[str, dict[str, Any]] = {
            g: {
                "cod_limit": str(Decimal(str(terms[g]["cod_limit"])).quantize(Decimal("0.01"))),
                "credit_days": int(terms[g]["credit_days"]),
                "credit_limit": str(
                    Decimal(str(terms[g]["credit_limit"])).quantize(Decimal("0.01"))
                ),
            }
            for g in GRADE_ORDER
        }
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise CreditError(_("Every weight, threshold and term must be a number.")) from exc
    if any(w < 0 for w in clean_weights.values()) or not sum(clean_weights.values()):
        raise CreditError(_("Weights must not be negative, and at least one must count."))
    levels = [clean_thresholds[g] for g in GRADE_ORDER[:-1]]
    if any(not 0 <= t <= 100 for t in levels) or levels != sorted(levels, reverse=True):
        raise CreditError(_("Thresholds must fall from A to D, between 0 and 100."))
    for g, t in clean_terms.items():
        negative = Decimal(t["cod_limit"]) < 0 or Decimal(t["credit_limit"]) < 0
        if negative or t["credit_days"] < 0:
            raise CreditError(_("Limits and days cannot be negative (grade %(g)s).") % {"g": g})
    with transaction.atomic():
        policy = get_policy()
        policy = CreditPolicy.objects.select_for_update().get(pk=policy.pk)
        policy.weights, policy.thresholds, policy.terms = (
            clean_weights,
            clean_thresholds,
            clean_terms,
        )
        policy.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        policy.save()
        audit.record(
            action="credit.policy_changed",
            actor=actor,
            target=policy,
            summary="Credit policy changed",
            data={"weights": clean_weights, "thresholds": clean_thresholds, "terms": clean_terms},
        )
        return policy


def issue_invoice(*, order: Any, payment: Payment, actor: Any) -> Invoice:
    """Create the invoice for an order paid on credit terms, due when the payment is due.

    Call it inside `place_order`'s transaction (the order and its invoice commit together).
    """
    due = payment.due_at or timezone.now()
    invoice = Invoice.objects.create(
        number=f"INV-{order.number}",
        customer=order.customer,
        order=order,
        payment=payment,
        amount=payment.amount,
        currency=payment.currency,
        due_on=timezone.localtime(due).date(),
    )
    audit.record(
        action="invoice.issued",
        actor=actor,
        target=invoice,
        customer=order.customer,
        summary=f"Invoice {invoice.number}: {invoice.amount} {invoice.currency} "
        f"due {invoice.due_on:%Y-%m-%d}",
        data={"amount": str(invoice.amount), "due_on": invoice.due_on.isoformat()},
    )
    return invoice


def record_invoice_paid(*, invoice: Invoice, actor: Any) -> Invoice:
    """Staff record that the money for an invoice arrived: the payment is settled, the invoice
    closed, the rating recomputed (punctuality counts from here). Raises `CreditError` when the
    invoice is not open."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("payment").get(pk=invoice.pk)
        if locked.paid_at is not None or locked.payment.status != PaymentStatus.PENDING:
            raise CreditError(_("This invoice is not open."))
        settle_pending_payment(payment=locked.payment, actor=actor)
        locked.paid_at = timezone.now()
        locked.save(update_fields=["paid_at", "updated_at"])
        late = timezone.localdate() > locked.due_on
        audit.record(
            action="invoice.paid",
            actor=actor,
            target=locked,
            customer=locked.customer,
            summary=f"Invoice {locked.number} paid" + (" late" if late else " on time"),
            data={"late": late},
        )
    refresh_ratings(customer_ids=[locked.customer_id], actor=actor)
    return locked


REMINDER_EVERY = datetime.timedelta(days=7)


def remind_overdue_invoices(*, actor: Any = None) -> int:
    """Find invoices past due and still owed: lower their customers' ratings now and send a
    reminder through the outbox (transactional, at most one a week per invoice). Idempotent.
    Returns the number of reminders queued."""
    from rapport.customers.models import Purpose
    from rapport.messaging.models import Priority
    from rapport.messaging.services import MessageRefused, queue_message

    now = timezone.now()
    overdue = list(
        Invoice.objects.filter(rating.overdue_q(timezone.localdate())).values_list(
            "pk", "customer_id"
        )
    )
    if not overdue:
        return 0
    refresh_ratings(customer_ids={c for _pk, c in overdue}, actor=actor)
    sent = 0
    for pk, _customer_id in overdue:
        with transaction.atomic():
            invoice = Invoice.objects.select_for_update().select_related("customer").get(pk=pk)
            if invoice.last_reminded_at and now - invoice.last_reminded_at < REMINDER_EVERY:
                continue
            try:
                queue_message(
                    customer=invoice.customer,
                    template="invoice_overdue",
                    context={
                        "invoice_number": invoice.number,
                        "amount": str(invoice.amount),
                        "currency": invoice.currency,
                        "due_on": invoice.due_on,
                    },
                    purpose=Purpose.TRANSACTIONAL,
                    priority=Priority.HIGH,
                    actor=actor,
                )
            except MessageRefused:
                continue
            invoice.reminders_sent += 1
            invoice.last_reminded_at = now
            invoice.save(update_fields=["reminders_sent", "last_reminded_at", "updated_at"])
            audit.record(
                action="invoice.reminded",
                actor=actor,
                target=invoice,
                customer=invoice.customer,
                summary=f"Reminder {invoice.reminders_sent} for overdue invoice {invoice.number}",
            )
            sent += 1
    return sent
