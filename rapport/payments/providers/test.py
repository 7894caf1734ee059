"""The built-in offline test provider: no network, no real money. Card numbers decide the outcome.

4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined; any other Luhn-valid number
succeeds; a number failing the Luhn check is refused before any "charge".
"""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from rapport.payments.providers.base import (
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

SUCCEEDS = "4242424242424242"
DECLINES = "4000000000000002"


def normalise_card_number(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())


def luhn_ok(number: str) -> bool:
    """The Luhn checksum every card number carries."""
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def sign(body: bytes) -> str:
    """HMAC-SHA256 of a webhook body with the shared secret (what the provider would send)."""
    secret = settings.RAPPORT_PAYMENT_WEBHOOK_SECRET.encode()
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


_OUTCOMES = {"payment.captured": SUCCEEDED, "payment.refunded": REFUNDED, "payment.failed": FAILED}


class TestProvider:
    """TEST MODE: our own page collects the card number, and nothing is charged anywhere."""

    name = "test"
    is_test = True
    collects_card_in_page = True
    signature_header = "X-Signature"

    def start(self, request: PaymentRequest) -> PaymentStart:
        number = normalise_card_number(request.card_number)
        if not luhn_ok(number):
            raise CardDeclined(_("That card number is not valid. Check the digits."))
        if number == DECLINES:
            raise CardDeclined(_("Your card was declined. No money was taken."))
        # Deterministic from the idempotency key: a retried authorisation is the same one.
        reference = "test_" + hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:24]
        return PaymentStart(reference=reference, amount=request.amount, card_last4=number[-4:])

    def capture(self, *, reference: str, amount: Decimal) -> None:
        return None

    def refund(
        self, *, reference: str, intent: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> None:
        return None

    def status(self, *, reference: str) -> PaymentState:
        raise ProviderError("The test provider authorises in the page: there is nothing to ask.")

    def abandon(self, *, reference: str) -> None:
        return None

    def parse_webhook(self, *, body: bytes, signature: str) -> WebhookEvent:
        if not signature or not hmac.compare_digest(sign(body), signature):
            raise WebhookSignatureError("Bad webhook signature")
        try:
            data = json.loads(body)
            kind = str(data["type"])
            amount = Decimal(str(data["amount"]))
            outcome = _OUTCOMES.get(kind)
            state = None
            if outcome is not None:
                state = PaymentState(
                    reference=str(data["reference"]),
                    outcome=outcome,
                    amount=amount,
                    currency=str(data.get("currency", "")),
                    refunded=amount if outcome == REFUNDED else Decimal("0.00"),
                )
            event_id = str(data.get("id") or hashlib.sha256(body).hexdigest())
            return WebhookEvent(event_id=event_id, kind=kind, state=state)
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise WebhookSignatureError("Malformed webhook body") from exc
