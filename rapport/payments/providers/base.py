"""What Rapport needs from a payment provider. Real providers implement this Protocol.

A payment starts with `start`. An in-page provider (only the offline test one) reads a card
number from our own form and answers at once with an authorisation. A hosted provider (Stripe)
never sees a card number from us: it answers with a `redirect_url`, the customer pays on the
provider's page (3-D Secure, Alipay, WeChat Pay happen there) and comes back to our return page,
and the money is only counted once the provider confirms it — by a signed webhook, or by our
server asking the provider (`status`), never because the browser came back.
"""

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
class PaymentRequest:
    amount: Decimal
    currency: str
    # The same key gives the same payment at the provider (a retried request never pays twice).
    idempotency_key: str
    description: str = ""
    customer_email: str = ""
    # Where a hosted provider sends the customer back, after paying or giving up.
    return_url: str = ""
    cancel_url: str = ""
    # Our own payment's public id, stored with the provider's payment so its events find it.
    payment_id: str = ""
    # Read only by an in-page provider (`collects_card_in_page`); a hosted one never gets it.
    card_number: str = ""


@dataclass(frozen=True)
class PaymentStart:
    """What `start` answered: authorised at once, or waiting for the customer at `redirect_url`."""

    reference: str
    amount: Decimal
    card_last4: str = ""
    redirect_url: str = ""

    @property
    def needs_customer(self) -> bool:
        return bool(self.redirect_url)


# Normalised outcomes of a payment, in the order they can only move forward.
AWAITING = "awaiting"
SUCCEEDED = "succeeded"
FAILED = "failed"  # never paid: the hosted page expired or the payment was abandoned
REFUNDED = "refunded"


@dataclass(frozen=True)
class PaymentState:
    """The provider's current word on one payment (a webhook event, or a look-up)."""

    reference: str  # our stored reference (e.g. the Checkout Session id)
    outcome: str  # AWAITING | SUCCEEDED | FAILED | REFUNDED
    amount: Decimal
    currency: str
    # The provider's id of the money movement (a PaymentIntent), needed for refunds.
    intent: str = ""
    # The total refunded so far (REFUNDED events), which may be part of the amount.
    refunded: Decimal = Decimal("0.00")
    # Our payment's public id when the provider echoes it back (metadata).
    payment_id: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    """A verified event. `event_id` makes repeats harmless; `state` is None for kinds we ignore."""

    event_id: str
    kind: str
    state: PaymentState | None


class PaymentProvider(Protocol):
    name: str
    is_test: bool
    # True only for the offline test provider: our page shows its (TEST MODE) card form.
    collects_card_in_page: bool
    # The request header carrying the webhook signature.
    signature_header: str

    def start(self, request: PaymentRequest) -> PaymentStart:
        """Begin a payment. Raises `CardDeclined` (show it) or `ProviderError`."""
        ...

    def capture(self, *, reference: str, amount: Decimal) -> None:
        """Take held money (in-page authorisations; a hosted page captures by itself)."""
        ...

    def refund(
        self, *, reference: str, intent: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> None:
        """Give (part of) a captured amount back; the same key never refunds twice."""
        ...

    def status(self, *, reference: str) -> PaymentState:
        """Ask the provider, server to server, where a payment stands."""
        ...

    def abandon(self, *, reference: str) -> None:
        """Close a payment the customer has not made yet (the order was cancelled)."""
        ...

    def parse_webhook(self, *, body: bytes, signature: str) -> WebhookEvent:
        """Verify the signature and decode the event, or raise `WebhookSignatureError`."""
        ...
