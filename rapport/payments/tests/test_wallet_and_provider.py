import json
from decimal import Decimal

import pytest

from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.payments.models import WalletAccount, WalletEntry
from rapport.payments.providers import (
    CardDeclined,
    PaymentRequest,
    TestProvider,
    WebhookSignatureError,
)
from rapport.payments.providers.test import luhn_ok, sign
from rapport.payments.services import (
    InsufficientFunds,
    PaymentError,
    debit_wallet,
    refund_to_wallet,
    top_up_wallet,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


def test_balance_is_the_sum_of_entries(ann, people):
    top_up_wallet(customer=ann, amount=Decimal("50.00"), actor=people["employee"], note="goodwill")
    debit_wallet(customer=ann, amount=Decimal("20.50"), order=None, actor=people["customer"])
    refund_to_wallet(customer=ann, amount=Decimal("5.25"), order=None, actor=people["employee"])

    account = WalletAccount.objects.get(customer=ann)
    entries = list(WalletEntry.objects.filter(account=account).values_list("amount", flat=True))
    assert account.balance == Decimal("34.75")
    assert sum(entries) == account.balance
    assert AuditEntry.objects.filter(customer=ann, action="wallet.topped_up").count() == 1


def test_debit_beyond_balance_is_refused_and_changes_nothing(ann, people):
    top_up_wallet(customer=ann, amount=Decimal("10.00"), actor=people["employee"])

    with pytest.raises(InsufficientFunds):
        debit_wallet(customer=ann, amount=Decimal("10.01"), order=None, actor=None)

    assert WalletAccount.objects.get(customer=ann).balance == Decimal("10.00")
    assert WalletEntry.objects.count() == 1


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_top_up_must_be_positive(ann, people, amount):
    with pytest.raises(PaymentError):
        top_up_wallet(customer=ann, amount=Decimal(amount), actor=people["employee"])
    assert WalletEntry.objects.count() == 0


def test_database_refuses_a_negative_cached_balance(ann):
    from django.db import IntegrityError, transaction

    account = WalletAccount.objects.create(customer=ann)
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletAccount.objects.filter(pk=account.pk).update(balance=Decimal("-1"))


def _request(card: str, key: str) -> PaymentRequest:
    return PaymentRequest(
        amount=Decimal("5"), currency="GBP", idempotency_key=key, card_number=card
    )


def test_luhn_and_test_cards():
    provider = TestProvider()
    assert provider.collects_card_in_page and provider.is_test
    assert luhn_ok("4242424242424242")
    assert not luhn_ok("4242424242424241")
    auth = provider.start(_request("4242 4242 4242 4242", "k1"))
    again = provider.start(_request("4242424242424242", "k1"))
    assert auth == again
    assert auth.card_last4 == "4242"
    assert not auth.needs_customer  # authorised in the page: no redirect
    with pytest.raises(CardDeclined):
        provider.start(_request("4000000000000002", "k2"))
    with pytest.raises(CardDeclined, match="not valid"):
        provider.start(_request("1234567812345678", "k3"))


def test_webhook_signature_is_verified():
    provider = TestProvider()
    body = json.dumps(
        {"type": "payment.refunded", "reference": "test_x", "amount": "3.00"}
    ).encode()

    event = provider.parse_webhook(body=body, signature=sign(body))

    assert event.kind == "payment.refunded"
    assert event.state is not None
    assert (event.state.outcome, event.state.reference, event.state.refunded) == (
        "refunded",
        "test_x",
        Decimal("3.00"),
    )
    with pytest.raises(WebhookSignatureError):
        provider.parse_webhook(body=body, signature="0" * 64)
    with pytest.raises(WebhookSignatureError):
        provider.parse_webhook(body=body + b" ", signature=sign(body))


def test_the_test_provider_refuses_to_load_outside_debug_unless_allowed(settings):
    from rapport.payments.providers import ProviderError, get_provider

    settings.DEBUG = False
    settings.RAPPORT_ALLOW_TEST_PAYMENTS = False
    with pytest.raises(ProviderError):
        get_provider("test")

    settings.RAPPORT_ALLOW_TEST_PAYMENTS = True
    assert get_provider("test").is_test
