"""Stripe through hosted Checkout Sessions (each one makes a PaymentIntent underneath).

Card details, 3-D Secure, Alipay and WeChat Pay all happen on Stripe's page: no card number ever
reaches our server (PCI DSS SAQ A). Our reference for a payment is its Checkout Session id; the
PaymentIntent id is kept once Stripe reports it (refunds need it). Every write to Stripe carries
an idempotency key, so a retried request (the SDK retries network failures itself) never makes a
second session or a second refund. Why Checkout rather than PaymentIntents with our own card
form: docs/hardening.md.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from rapport.payments.providers.base import (
    AWAITING,
    FAILED,
    REFUNDED,
    SUCCEEDED,
    CardDeclined,
    PaymentRequest,
    PaymentStart,
    PaymentState,
    ProviderError,
    WebhookEvent,
    WebhookSignatureError,
)

# Currencies Stripe counts in whole units (no cents), from Stripe's currency list.
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
# The Checkout page stays open this long (Stripe allows 30 minutes to 24 hours); the order's
# stock is held meanwhile, and an expired page cancels the order (`checkout.session.expired`).
CHECKOUT_OPEN_MINUTES = 60
# A signed event older than this is refused (a replayed capture of an old delivery).
WEBHOOK_TOLERANCE_SECONDS = 300


def to_minor(amount: Decimal, currency: str) -> int:
    """Stripe's integer amount: pence for GBP, fen for CNY, whole yen for JPY."""
    if currency.lower() in ZERO_DECIMAL:
        return int(amount.quantize(Decimal("1")))
    return int((amount * 100).quantize(Decimal("1")))


def from_minor(value: Any, currency: str) -> Decimal:
    number = Decimal(int(value or 0))
    if currency.lower() in ZERO_DECIMAL:
        return number.quantize(Decimal("0.01"))
    return (number / 100).quantize(Decimal("0.01"))


def _session_state(session: dict[str, Any], outcome: str | None = None) -> PaymentState:
    currency = str(session.get("currency") or "")
    if outcome is None:
        if session.get("status") == "complete" and session.get("payment_status") in (
            "paid",
            "no_payment_required",
        ):
            outcome = SUCCEEDED
        elif session.get("status") == "expired":
            outcome = FAILED
        else:
            outcome = AWAITING
    return PaymentState(
        reference=str(session["id"]),
        outcome=outcome,
        amount=from_minor(session.get("amount_total"), currency),
        currency=currency.upper(),
        intent=_id_of(session.get("payment_intent")),
        payment_id=str((session.get("metadata") or {}).get("rapport_payment", "")),
    )


def _id_of(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def state_of_event(kind: str, obj: dict[str, Any]) -> PaymentState | None:
    """Our reading of one Stripe event object, or None for kinds that do not move money."""
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        return _session_state(obj)
    if kind in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        return _session_state(obj, FAILED)
    if kind == "payment_intent.succeeded":
        currency = str(obj.get("currency") or "")
        return PaymentState(
            reference="",
            outcome=SUCCEEDED,
            amount=from_minor(obj.get("amount_received") or obj.get("amount"), currency),
            currency=currency.upper(),
            intent=str(obj["id"]),
            payment_id=str((obj.get("metadata") or {}).get("rapport_payment", "")),
        )
    if kind == "charge.refunded":
        currency = str(obj.get("currency") or "")
        return PaymentState(
            reference="",
            outcome=REFUNDED,
            amount=from_minor(obj.get("amount"), currency),
            currency=currency.upper(),
            intent=_id_of(obj.get("payment_intent")),
            refunded=from_minor(obj.get("amount_refunded"), currency),
            payment_id=str((obj.get("metadata") or {}).get("rapport_payment", "")),
        )
    return None


class StripeProvider:
    name = "stripe"
    is_test = False
    collects_card_in_page = False
    signature_header = "Stripe-Signature"

    def __init__(self) -> None:
        key = settings.RAPPORT_STRIPE_SECRET_KEY
        if not key:
            raise ProviderError("RAPPORT_STRIPE_SECRET_KEY is not set.")
        self.client = stripe.StripeClient(
            key,
            base_addresses={"api": settings.RAPPORT_STRIPE_API_BASE},
            max_network_retries=2,
        )

    def start(self, request: PaymentRequest) -> PaymentStart:
        currency = request.currency.lower()
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": to_minor(request.amount, currency),
                        "product_data": {"name": request.description or request.payment_id},
                    },
                }
            ],
            "success_url": request.return_url + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": request.cancel_url or request.return_url,
            "client_reference_id": request.payment_id,
            "metadata": {"rapport_payment": request.payment_id},
            "payment_intent_data": {"metadata": {"rapport_payment": request.payment_id}},
            "expires_at": int(time.time()) + CHECKOUT_OPEN_MINUTES * 60,
            "locale": "auto",
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        methods = list(settings.RAPPORT_STRIPE_PAYMENT_METHOD_TYPES)
        if methods:  # empty: the methods switched on in the Stripe Dashboard
            params["payment_method_types"] = methods
        if "wechat_pay" in methods:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
        try:
            session = self.client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as exc:
            raise CardDeclined(_("Your card was declined. No money was taken.")) from exc
        except stripe.StripeError as exc:
            raise ProviderError(f"Stripe refused to start the payment: {exc}") from exc
        if not session.url:
            raise ProviderError("Stripe gave no payment page for the session.")
        return PaymentStart(reference=session.id, amount=request.amount, redirect_url=session.url)

    def capture(self, *, reference: str, amount: Decimal) -> None:
        return None  # Checkout captures when the customer pays

    def refund(
        self, *, reference: str, intent: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> None:
        try:
            if not intent:
                intent = self.status(reference=reference).intent
            if not intent:
                raise ProviderError("Stripe has no payment to refund for this session yet.")
            self.client.v1.refunds.create(
                {"payment_intent": intent, "amount": to_minor(amount, currency)},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise ProviderError(f"Stripe refused the refund: {exc}") from exc

    def status(self, *, reference: str) -> PaymentState:
        try:
            session = self.client.v1.checkout.sessions.retrieve(reference)
        except stripe.StripeError as exc:
            raise ProviderError(f"Stripe did not answer about {reference}: {exc}") from exc
        return _session_state(session.to_dict())

    def abandon(self, *, reference: str) -> None:
        try:
            self.client.v1.checkout.sessions.expire(reference)
        except stripe.InvalidRequestError:
            return None  # already complete or expired: its own events tell which
        except stripe.StripeError as exc:
            raise ProviderError(f"Stripe could not close {reference}: {exc}") from exc

    def parse_webhook(self, *, body: bytes, signature: str) -> WebhookEvent:
        secret = settings.RAPPORT_STRIPE_WEBHOOK_SECRET
        if not secret:
            raise WebhookSignatureError("RAPPORT_STRIPE_WEBHOOK_SECRET is not set")
        try:
            stripe.WebhookSignature.verify_header(
                body.decode("utf-8"), signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise WebhookSignatureError("Bad Stripe signature") from exc
        try:
            data = json.loads(body)
            kind = str(data["type"])
            return WebhookEvent(
                event_id=str(data["id"]),
                kind=kind,
                state=state_of_event(kind, data["data"]["object"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookSignatureError("Malformed Stripe event") from exc
