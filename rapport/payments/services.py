"""Money movements: the store-credit wallet ledger, card payments through a provider, cash on
delivery and credit terms. Called by `place_order` inside its transaction, and by the portal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.core.money import format_money, to_money
from rapport.customers.models import Customer
from rapport.payments.models import (
    CreditAccount,
    Payment,
    PaymentMethod,
    PaymentStatus,
    WalletAccount,
    WalletEntry,
    WalletEntryKind,
)
from rapport.payments.providers import CardDeclined, WebhookEvent, get_provider


class PaymentError(Exception):
    """A payment that cannot be made; the message is safe to show to the customer."""


class InsufficientFunds(PaymentError):
    pass


class PaymentDeclined(PaymentError):
    pass


class CreditNotAllowed(PaymentError):
    pass


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked_wallet(customer: Customer) -> WalletAccount:
    WalletAccount.objects.get_or_create(customer=customer)
    return WalletAccount.objects.select_for_update().get(customer=customer)


def _add_entry(
    *, account: WalletAccount, kind: str, amount: Decimal, actor: Any, order: Any, note: str
) -> WalletEntry:
    # F() keeps the update correct even if someone forgets the lock; the lock keeps
    # `balance_after` exact, and the check constraint refuses any negative balance.
    WalletAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + amount, updated_at=timezone.now()
    )
    account.refresh_from_db(fields=["balance"])
    return WalletEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        balance_after=account.balance,
        order=order,
        note=note[:255],
        actor=_user(actor),
    )


def top_up_wallet(
    *, customer: Customer, amount: Decimal, actor: Any, note: str = ""
) -> WalletEntry:
    """Staff add store credit to a customer's wallet. Audit-logged on the customer's timeline.

    Raises `PaymentError` for a non-positive amount.
    """
    amount = to_money(amount)
    if amount <= 0:
        raise PaymentError(_("A top-up must be a positive amount."))
    with transaction.atomic():
        account = _locked_wallet(customer)
        entry = _add_entry(
            account=account,
            kind=WalletEntryKind.TOP_UP,
            amount=amount,
            actor=actor,
            order=None,
            note=note,
        )
        audit.record(
            action="wallet.topped_up",
            actor=actor,
            target=account,
            customer=customer,
            summary=f"Store credit +{amount} (balance {entry.balance_after})"
            + (f": {note}" if note else ""),
            data={"amount": str(amount), "balance": str(entry.balance_after)},
        )
        return entry


def debit_wallet(*, customer: Customer, amount: Decimal, order: Any, actor: Any) -> WalletEntry:
    """Take store credit for an order, or raise `InsufficientFunds`. Locks the wallet row, so
    concurrent debits queue and the balance can never go below zero."""
    amount = to_money(amount)
    with transaction.atomic():
        account = _locked_wallet(customer)
        if account.balance < amount:
            raise InsufficientFunds(
                _("Your store credit (%(b)s) does not cover %(a)s.")
                % {"b": format_money(account.balance), "a": format_money(amount)}
            )
        return _add_entry(
            account=account,
            kind=WalletEntryKind.DEBIT,
            amount=-amount,
            actor=actor,
            order=order,
            note=str(order) if order is not None else "",
        )


def refund_to_wallet(*, customer: Customer, amount: Decimal, order: Any, actor: Any) -> WalletEntry:
    """Give money back as store credit (e.g. a cancelled order). Audit-logged."""
    amount = to_money(amount)
    if amount <= 0:
        raise PaymentError(_("A refund must be a positive amount."))
    with transaction.atomic():
        account = _locked_wallet(customer)
        entry = _add_entry(
            account=account,
            kind=WalletEntryKind.REFUND,
            amount=amount,
            actor=actor,
            order=order,
            note=str(order) if order is not None else "",
        )
        audit.record(
            action="wallet.refunded",
            actor=actor,
            target=account,
            customer=customer,
            summary=f"Store credit refund +{amount}",
            data={"amount": str(amount)},
        )
        return entry


def credit_outstanding(customer: Customer) -> Decimal:
    """Unpaid credit-terms payments of a customer."""
    total = Payment.objects.filter(
        order__customer=customer,
        method=PaymentMethod.CREDIT_TERMS,
        status=PaymentStatus.PENDING,
    ).aggregate(s=Sum("amount"))["s"]
    return to_money(total or 0)


def credit_terms_allowed(customer: Customer) -> bool:
    return CreditAccount.objects.filter(customer=customer, allowed=True, limit__gt=0).exists()


def record_payment(
    *,
    order: Any,
    customer: Customer,
    method: str,
    amount: Decimal,
    actor: Any,
    card_number: str = "",
    idempotency_key: str = "",
) -> Payment:
    """Pay for a just-created order with one of the four modes, inside `place_order`'s transaction.

    Cash on delivery and credit terms record a pending payment; the wallet is debited at once;
    a card is authorised through the provider (captured after commit). Raises `PaymentError`
    subclasses (`InsufficientFunds`, `PaymentDeclined`, `CreditNotAllowed`) so the caller's
    transaction rolls everything back.
    """
    base = {"order": order, "method": method, "amount": amount, "currency": order.currency}
    if method == PaymentMethod.CASH_ON_DELIVERY:
        return Payment.objects.create(**base, status=PaymentStatus.PENDING)
    if method == PaymentMethod.WALLET:
        debit_wallet(customer=customer, amount=amount, order=order, actor=actor)
        return Payment.objects.create(**base, status=PaymentStatus.CAPTURED, provider="wallet")
    if method == PaymentMethod.CREDIT_TERMS:
        try:
            account = CreditAccount.objects.select_for_update().get(customer=customer)
        except CreditAccount.DoesNotExist:
            account = None
        if account is None or not account.allowed:
            raise CreditNotAllowed(_("Credit terms are not available on your account."))
        if credit_outstanding(customer) + amount > account.limit:
            raise CreditNotAllowed(
                _("This order would exceed your credit limit of %(l)s.")
                % {"l": format_money(account.limit)}
            )
        return Payment.objects.create(
            **base,
            status=PaymentStatus.PENDING,
            due_at=timezone.now() + timedelta(days=account.days),
        )
    if method == PaymentMethod.CARD:
        provider = get_provider()
        try:
            auth = provider.authorise(
                amount=amount,
                currency=order.currency,
                card_number=card_number,
                idempotency_key=idempotency_key,
            )
        except CardDeclined as exc:
            raise PaymentDeclined(str(exc)) from exc
        payment = Payment.objects.create(
            **base,
            status=PaymentStatus.AUTHORISED,
            provider=provider.name,
            provider_reference=auth.reference,
            card_last4=auth.card_last4,
        )
        transaction.on_commit(lambda: capture_payment(payment_id=payment.pk), robust=True)
        return payment
    raise PaymentError(_("Choose a payment method."))


def capture_payment(*, payment_id: int) -> Payment:
    """Take an authorised card payment (idempotent: a captured payment stays as it is)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != PaymentStatus.AUTHORISED:
            return payment
        get_provider(payment.provider).capture(
            reference=payment.provider_reference, amount=payment.amount
        )
        payment.status = PaymentStatus.CAPTURED
        payment.save(update_fields=["status", "updated_at"])
        return payment


def apply_webhook_event(*, event: WebhookEvent) -> Payment | None:
    """Bring a card payment in line with what the provider reports (captured / refunded).

    Unknown references are ignored (returns None): webhooks may arrive for other systems.
    """
    target = {
        "payment.captured": PaymentStatus.CAPTURED,
        "payment.refunded": PaymentStatus.REFUNDED,
    }.get(event.kind)
    if target is None:
        return None
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(provider_reference=event.reference, method=PaymentMethod.CARD)
            .select_related("order")
            .first()
        )
        if payment is None or payment.status == target:
            return payment
        payment.status = target
        payment.save(update_fields=["status", "updated_at"])
        audit.record(
            action=f"payment.{target}",
            target=payment.order,
            customer=payment.order.customer,
            summary=f"Card payment {target} by the provider ({event.reference})",
            data={"reference": event.reference, "amount": str(event.amount)},
        )
        return payment


# --- After the sale: settling and giving money back (issue 7) ------------------------------------


def settle_pending_payment(*, payment: Payment, actor: Any) -> Payment:
    """Cash on delivery: the courier collected the money, so the pending payment is now paid.

    Idempotent (anything not pending stays as it is). Call it inside the caller's transaction.
    """
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != PaymentStatus.PENDING:
            return locked
        locked.status = PaymentStatus.CAPTURED
        locked.save(update_fields=["status", "updated_at"])
        return locked


def write_down_pending_payment(*, payment: Payment, amount: Decimal, actor: Any) -> Payment:
    """Reduce what is still owed on a pending payment (cash on delivery not yet collected, an
    unpaid credit-terms invoice) by `amount`; owing nothing marks it refunded.

    Used when an order is cancelled or goods come back before the money did. The audit entry
    keeps the amount before the write-down. Raises `PaymentError` if `amount` is not positive,
    exceeds what is owed, or the payment is not pending.
    """
    amount = to_money(amount)
    with transaction.atomic():
        locked = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=payment.pk)
        )
        if locked.status != PaymentStatus.PENDING:
            raise PaymentError(_("Only a payment still owed can be written down."))
        if amount <= 0 or amount > locked.amount:
            raise PaymentError(_("The write-down must be between 0 and what is owed."))
        before = locked.amount
        if amount == locked.amount:
            locked.status = PaymentStatus.REFUNDED
            locked.save(update_fields=["status", "updated_at"])
        else:
            locked.amount = before - amount
            locked.save(update_fields=["amount", "updated_at"])
        audit.record(
            action="payment.written_down",
            actor=actor,
            target=locked.order,
            customer=locked.order.customer,
            summary=f"{locked.get_method_display()} owed {before} → "
            f"{before - amount}: no longer due",
            data={"payment": locked.pk, "before": str(before), "amount": str(amount)},
        )
        return locked


def refund_card_payment(
    *, payment: Payment, amount: Decimal, actor: Any, refunded_before: Decimal
) -> Payment:
    """Give `amount` of a card payment back through its provider (partial refunds allowed).

    `refunded_before` is what earlier refunds already returned (the caller keeps that ledger,
    under the order lock); reaching the full amount marks the payment refunded. A provider
    error propagates so the caller's transaction rolls back and nothing is recorded.
    """
    amount = to_money(amount)
    with transaction.atomic():
        locked = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=payment.pk)
        )
        if locked.method != PaymentMethod.CARD:
            raise PaymentError(_("Only card payments are refunded through the provider."))
        if amount <= 0 or refunded_before + amount > locked.amount:
            raise PaymentError(_("A refund cannot exceed what was paid."))
        if locked.status == PaymentStatus.AUTHORISED:
            capture_payment(payment_id=locked.pk)
            locked.refresh_from_db()
        get_provider(locked.provider).refund(reference=locked.provider_reference, amount=amount)
        if refunded_before + amount == locked.amount:
            locked.status = PaymentStatus.REFUNDED
            locked.save(update_fields=["status", "updated_at"])
        audit.record(
            action="payment.card_refunded",
            actor=actor,
            target=locked.order,
            customer=locked.order.customer,
            summary=f"Card refund {amount} ({locked.provider_reference})",
            data={"payment": locked.pk, "amount": str(amount)},
        )
        return locked
