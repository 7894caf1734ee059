"""Money movements: the store-credit wallet ledger, card payments through a provider, cash on
delivery and credit terms. Called by `place_order` inside its transaction, and by the portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
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
    ProviderEvent,
    WalletAccount,
    WalletEntry,
    WalletEntryKind,
)
from rapport.payments.providers import (
    FAILED,
    REFUNDED,
    SUCCEEDED,
    CardDeclined,
    PaymentRequest,
    PaymentState,
    ProviderError,
    get_provider,
)


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
    return_to: str = "",
) -> Payment:
    """Pay for a just-created order with one of the four modes, inside `place_order`'s transaction.

    Cash on delivery and credit terms record a pending payment; the wallet is debited at once;
    a card goes through the provider (`_start_card_payment`: authorised at once in TEST MODE, or
    awaiting the customer on a hosted page such as Stripe's, who comes back to `return_to`, a
    path on this site). Raises `PaymentError`
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
        return _start_card_payment(
            base=base, card_number=card_number, idempotency_key=idempotency_key, return_to=return_to
        )
    raise PaymentError(_("Choose a payment method."))


class PaymentUnavailable(PaymentError):
    """The provider could not be reached: nothing was charged, the order is not placed."""


def _start_card_payment(
    *, base: dict[str, Any], card_number: str, idempotency_key: str, return_to: str
) -> Payment:
    """Start a card payment through the configured provider, inside the order's transaction.

    An in-page provider (TEST MODE) authorises at once, captured after commit. A hosted one
    (Stripe) gives the page the customer pays on: the payment stays AWAITING, with that page's
    address in `pay_url`, until the provider confirms (`apply_provider_state`). A refused or
    unreachable provider raises, so the caller's transaction writes nothing.
    """
    provider = get_provider()
    order = base["order"]
    payment = Payment.objects.create(**base, status=PaymentStatus.AWAITING, provider=provider.name)
    site = settings.RAPPORT_SITE_URL
    try:
        start = provider.start(
            PaymentRequest(
                amount=payment.amount,
                currency=payment.currency,
                # Per payment, so an order placed again after a rollback is a new payment.
                idempotency_key=f"pay-{payment.public_id}",
                description=_("Order %(number)s") % {"number": order.number},
                customer_email=order.email,
                return_url=f"{site}{return_to}" if return_to else site,
                cancel_url=f"{site}{return_to}?cancelled=1" if return_to else site,
                payment_id=str(payment.public_id),
                card_number=card_number if provider.collects_card_in_page else "",
            )
        )
    except CardDeclined as exc:
        raise PaymentDeclined(str(exc)) from exc
    except ProviderError as exc:
        raise PaymentUnavailable(
            _("Card payments cannot be taken right now. Nothing was charged: try again soon.")
        ) from exc
    payment.provider_reference = start.reference
    payment.card_last4 = start.card_last4
    if start.needs_customer:
        payment.pay_url = start.redirect_url
    else:
        payment.status = PaymentStatus.AUTHORISED
        transaction.on_commit(lambda: capture_payment(payment_id=payment.pk), robust=True)
    payment.save(
        update_fields=["provider_reference", "card_last4", "pay_url", "status", "updated_at"]
    )
    return payment


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


# What a provider's word may change, by the status the payment has now. Statuses only move
# forward, so a late or repeated event (a "succeeded" after a "refunded") changes nothing.
_MOVES = {
    SUCCEEDED: {PaymentStatus.AWAITING, PaymentStatus.AUTHORISED, PaymentStatus.FAILED},
    FAILED: {PaymentStatus.AWAITING},
    REFUNDED: {PaymentStatus.AWAITING, PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED},
}


@dataclass(frozen=True)
class ProviderOutcome:
    payment: Payment | None
    # The status the payment moved to ("" when nothing changed: repeated, late or unknown).
    became: str = ""
    # Money arrived for a payment already given up (its order cancelled): to be refunded.
    paid_too_late: bool = False
    duplicate: bool = False


def _payment_for(provider: str, state: PaymentState) -> Payment | None:
    found = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("order")
        .filter(provider=provider, method=PaymentMethod.CARD)
    )
    if state.payment_id:
        payment = found.filter(public_id=state.payment_id).first()
        if payment is not None:
            return payment
    if state.reference:
        payment = found.filter(provider_reference=state.reference).first()
        if payment is not None:
            return payment
    if state.intent:
        return found.filter(provider_intent=state.intent).first()
    return None


def apply_provider_state(
    *, provider: str, state: PaymentState, event_id: str = "", kind: str = ""
) -> ProviderOutcome:
    """Bring a card payment in line with the provider's word: a verified webhook event (with its
    `event_id`) or our own look-up (no id). Idempotent and order-proof:

    - an event id already applied is ignored (`duplicate`), even when two deliveries of it race
      (the unique row is inserted first, in the same transaction);
    - statuses only move forward (`_MOVES`), so repeated and out-of-order events change nothing;
    - money is only counted when the provider's amount and currency are the payment's own;
    - a payment nobody knows (another system's) is ignored.
    Call `checkout.payment_confirmation.settle` instead to move the order along with it.
    """
    with transaction.atomic():
        if event_id:
            try:
                with transaction.atomic():
                    ProviderEvent.objects.create(provider=provider, event_id=event_id, kind=kind)
            except IntegrityError:
                return ProviderOutcome(payment=None, duplicate=True)
        payment = _payment_for(provider, state)
        if payment is None:
            return ProviderOutcome(payment=None)
        if state.intent and not payment.provider_intent:
            payment.provider_intent = state.intent
            payment.save(update_fields=["provider_intent", "updated_at"])
        if payment.status not in _MOVES.get(state.outcome, set()):
            if state.outcome == REFUNDED and state.refunded < payment.amount:
                _record_provider_note(payment, state, "partial refund reported")
            return ProviderOutcome(payment=payment)
        if state.outcome == SUCCEEDED and (
            state.amount != payment.amount or state.currency.upper() != payment.currency.upper()
        ):
            _record_provider_note(payment, state, "amount does not match: not counted")
            return ProviderOutcome(payment=payment)
        if state.outcome == REFUNDED and state.refunded < payment.amount:
            _record_provider_note(payment, state, "partial refund reported")
            return ProviderOutcome(payment=payment)
        too_late = state.outcome == SUCCEEDED and payment.status == PaymentStatus.FAILED
        target = {
            SUCCEEDED: PaymentStatus.CAPTURED,
            FAILED: PaymentStatus.FAILED,
            REFUNDED: PaymentStatus.REFUNDED,
        }[state.outcome]
        payment.status = target
        payment.pay_url = ""
        payment.save(update_fields=["status", "pay_url", "updated_at"])
        audit.record(
            action=f"payment.{target}",
            target=payment.order,
            customer=payment.order.customer,
            summary=f"Card payment {target} by {provider} "
            f"({payment.provider_reference or state.intent})",
            data={
                "reference": payment.provider_reference,
                "intent": payment.provider_intent,
                "amount": str(state.amount),
                "event": event_id,
                "kind": kind,
            },
        )
        return ProviderOutcome(payment=payment, became=target, paid_too_late=too_late)


def _record_provider_note(payment: Payment, state: PaymentState, what: str) -> None:
    audit.record(
        action="payment.provider_note",
        target=payment.order,
        customer=payment.order.customer,
        summary=f"Card payment {payment.provider_reference}: {what} "
        f"({state.outcome} {state.amount} {state.currency}, refunded {state.refunded})",
        data={"outcome": state.outcome, "amount": str(state.amount)},
    )


def abandon_awaiting_payments(*, order: Any, actor: Any) -> list[Payment]:
    """Close the provider's page of every payment of `order` still awaiting the customer (the
    order is cancelled), and mark them failed. Money that still arrives later is refunded when
    its event comes (`ProviderOutcome.paid_too_late`)."""
    closed = []
    for payment in Payment.objects.select_for_update().filter(
        order=order, status=PaymentStatus.AWAITING
    ):
        if payment.provider_reference:
            get_provider(payment.provider).abandon(reference=payment.provider_reference)
        payment.status, payment.pay_url = PaymentStatus.FAILED, ""
        payment.save(update_fields=["status", "pay_url", "updated_at"])
        closed.append(payment)
    return closed


def refund_in_full_at_provider(*, payment: Payment, actor: Any) -> Payment:
    """Give back all of a payment that arrived after its order was given up (audited)."""
    with transaction.atomic():
        locked = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=payment.pk)
        )
        if locked.status != PaymentStatus.CAPTURED:
            return locked
        get_provider(locked.provider).refund(
            reference=locked.provider_reference,
            intent=locked.provider_intent,
            amount=locked.amount,
            currency=locked.currency,
            idempotency_key=f"late-{locked.public_id}",
        )
        locked.status = PaymentStatus.REFUNDED
        locked.save(update_fields=["status", "updated_at"])
        audit.record(
            action="payment.refunded_late",
            actor=actor,
            target=locked.order,
            customer=locked.order.customer,
            summary=f"Card payment {locked.amount} arrived after the order was cancelled: "
            "refunded in full",
            data={"payment": locked.pk, "amount": str(locked.amount)},
        )
        return locked


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
        if locked.status not in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
            raise PaymentError(
                _("This card payment has not been made, so nothing can be refunded.")
            )
        # The key names this refund by how much was refunded before it: a retry of the same
        # refund reuses it, the next partial refund gets its own.
        get_provider(locked.provider).refund(
            reference=locked.provider_reference,
            intent=locked.provider_intent,
            amount=amount,
            currency=locked.currency,
            idempotency_key=f"refund-{locked.public_id}-{refunded_before}-{amount}",
        )
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
