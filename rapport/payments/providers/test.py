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
    Authorisation,
    CardDeclined,
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


class TestProvider:
    name = "test"
    is_test = True

    def authorise(
        self, *, amount: Decimal, currency: str, card_number: str, idempotency_key: str
    ) -> Authorisation:
        number = normalise_card_number(card_number)
        if not luhn_ok(number):
            raise CardDeclined(_("That card number is not valid. Check the digits."))
        if number == DECLINES:
            raise CardDeclined(_("Your card was declined. No money was taken."))
        # Deterministic from the idempotency key: a retried authorisation is the same one.
        reference = "test_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return Authorisation(reference=reference, amount=amount, card_last4=number[-4:])

    def capture(self, *, reference: str, amount: Decimal) -> None:
        return None

    def refund(self, *, reference: str, amount: Decimal) -> None:
        return None

    def parse_webhook(self, *, body: bytes, signature: str) -> WebhookEvent:
        if not signature or not hmac.compare_digest(sign(body), signature):
            raise WebhookSignatureError("Bad webhook signature")
        try:
            data = json.loads(body)
            return WebhookEvent(
                kind=str(data["type"]),
                reference=str(data["reference"]),
                amount=Decimal(str(data["amount"])),
            )
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise WebhookSignatureError("Malformed webhook body") from exc
