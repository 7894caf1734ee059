"""Payment-provider interface. Card payments go through a provider chosen in settings."""

from __future__ import annotations

from django.conf import settings

from rapport.payments.providers.base import (
    AWAITING,
    FAILED,
    REFUNDED,
    SUCCEEDED,
    CardDeclined,
    PaymentProvider,
    PaymentRequest,
    PaymentStart,
    PaymentState,
    ProviderError,
    WebhookEvent,
    WebhookSignatureError,
)
from rapport.payments.providers.stripe import StripeProvider
from rapport.payments.providers.test import TestProvider

__all__ = [
    "AWAITING",
    "FAILED",
    "REFUNDED",
    "SUCCEEDED",
    "CardDeclined",
    "PaymentProvider",
    "PaymentRequest",
    "PaymentStart",
    "PaymentState",
    "ProviderError",
    "StripeProvider",
    "TestProvider",
    "WebhookEvent",
    "WebhookSignatureError",
    "get_provider",
]

_PROVIDERS: dict[str, type[PaymentProvider]] = {"test": TestProvider, "stripe": StripeProvider}


def get_provider(name: str | None = None) -> PaymentProvider:
    """The configured provider (`RAPPORT_PAYMENT_PROVIDER`): "stripe", or the offline "test"
    one, which is refused outside DEBUG unless `RAPPORT_ALLOW_TEST_PAYMENTS` is set."""
    key = name or settings.RAPPORT_PAYMENT_PROVIDER
    try:
        provider = _PROVIDERS[key]
    except KeyError as exc:
        raise ProviderError(f"Unknown payment provider {key!r}") from exc
    if provider.is_test and not (settings.DEBUG or settings.RAPPORT_ALLOW_TEST_PAYMENTS):
        raise ProviderError(
            "The test payment provider is refused outside DEBUG unless "
            "RAPPORT_ALLOW_TEST_PAYMENTS=1 is set."
        )
    return provider()
