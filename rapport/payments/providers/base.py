"""What Rapport needs from a card-payment provider. Real providers implement this Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class ProviderError(Exception):
    """The provider could not be reached or answered something unexpected."""


class CardDeclined(ProviderError):
    """The card was refused; the message is safe to show to the customer."""


class WebhookSignatureError(ProviderError):
    """A webhook whose signature does not match: ignored."""


@dataclass(frozen=True)
class Authorisation:
    reference: str
    amount: Decimal
    card_last4: str


@dataclass(frozen=True)
class WebhookEvent:
    kind: str  # "payment.captured" | "payment.refunded" | ...
    reference: str
    amount: Decimal


class PaymentProvider(Protocol):
    name: str
    is_test: bool

    def authorise(
        self, *, amount: Decimal, currency: str, card_number: str, idempotency_key: str
    ) -> Authorisation:
        """Hold `amount` on the card. The same idempotency key returns the same authorisation."""
        ...

    def capture(self, *, reference: str, amount: Decimal) -> None:
        """Take the held money."""
        ...

    def refund(self, *, reference: str, amount: Decimal) -> None:
        """Give (part of) a captured amount back."""
        ...

    def parse_webhook(self, *, body: bytes, signature: str) -> WebhookEvent:
        """Verify the signature and decode the event, or raise `WebhookSignatureError`."""
        ...
