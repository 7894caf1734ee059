"""The credit rating decides the payment modes: offered on the page, enforced in place_order."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.cart.models import Cart, CartStatus
from rapport.checkout.services import CheckoutError, place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.models import AuditEntry
from rapport.credit import services
from rapport.credit.models import CreditRating, Invoice
from rapport.credit.queries import payment_terms
from rapport.customers.models import Customer
from rapport.messaging.models import Message
from rapport.orders.models import Order
from rapport.payments.models import CreditAccount, Payment, PaymentStatus
from rapport.payments.services import CreditNotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


def offered(client) -> list[str]:
    body = client.get(reverse("storefront:checkout")).content.decode()
    return [m for m in ("cod", "wallet", "card", "credit_terms") if f'value="{m}"' in body]


def place(ann, people, method, key="k1", quantity=1, price="12.50"):
    product = stocked_product(quantity=50, price=price)
    Cart.objects.filter(user=people["customer"], status=CartStatus.OPEN).delete()
    return place_order(
        cart=cart_with(people["customer"], (product, quantity)),
        customer=ann,
        address=address_for(ann),
        shipping_method="standard",
        payment_method=method,
        idempotency_key=key,
        actor=people["customer"],
        card_number="4242424242424242",
    )


def test_a_rating_change_changes_the_offered_modes_at_once(clients, people, ann):
    client = clients["customer"]
    product = stocked_product(quantity=5, price="15.00")
    client.post(reverse("storefront:cart_add"), {"product": str(product.public_id), "quantity": 1})
    assert offered(client) == ["cod", "wallet", "card"]  # unrated: the policy's grade D

    services.override_rating(
        customer=ann, grade="E", reason="two refused parcels", actor=people["manager"]
    )
    assert offered(client) == ["wallet", "card"]

    services.override_rating(
        customer=ann, grade="A", reason="strategic partner", actor=people["manager"]
    )
    assert offered(client) == ["cod", "wallet", "card", "credit_terms"]
    account = CreditAccount.objects.get(customer=ann)
    assert (account.allowed, account.days, account.limit) == (True, 60, Decimal("20000.00"))
    entry = AuditEntry.objects.filter(customer=ann, action="credit.overridden").first()
    assert entry is not None and "strategic partner" in entry.summary


def test_posting_a_mode_the_rating_does_not_allow_is_refused(clients, people, ann):
    services.override_rating(customer=ann, grade="E", reason="chargebacks", actor=None)
    client = clients["customer"]
    product = stocked_product(quantity=5, price="15.00")
    client.post(reverse("storefront:cart_add"), {"product": str(product.public_id), "quantity": 1})

    response = client.post(
        reverse("storefront:checkout"),
        {
            "address": "new",
            "new-name": "Ann",
            "new-line1": "1 High Street",
            "new-postal_code": "E1 6AN",
            "new-city": "London",
            "new-country": "United Kingdom",
            "shipping": "standard",
            "payment": "cod",
        },
    )

    assert response.status_code == 200
    assert "checkout" not in client.session
    with pytest.raises(CheckoutError, match="not available"):
        place(ann, people, "cod")
    with pytest.raises(CreditNotAllowed):
        place(ann, people, "credit_terms", key="k2")
    assert Order.objects.count() == 0 and Payment.objects.count() == 0


def test_cash_on_delivery_only_up_to_the_grade_limit(people, ann):
    # Grade D: cash on delivery up to 500.00 an order.
    with pytest.raises(CheckoutError):
        place(ann, people, "cod", price="600.00")
    assert Order.objects.count() == 0

    order = place(ann, people, "cod", key="k2", price="400.00")
    assert order.payment_method == "cod"


def test_credit_terms_issue_an_invoice_due_after_the_grade_days(people, ann):
    services.override_rating(customer=ann, grade="C", reason="trade customer", actor=None)

    order = place(ann, people, "credit_terms")

    invoice = Invoice.objects.get(order=order)
    assert invoice.amount == order.total and invoice.customer == ann
    assert invoice.due_on == timezone.localdate() + datetime.timedelta(days=14)
    assert AuditEntry.objects.filter(customer=ann, action="invoice.issued").count() == 1


def test_an_overdue_invoice_lowers_the_rating_at_once_and_is_reminded(people, ann):
    services.override_rating(customer=ann, grade="B", reason="good payer", actor=None)
    order = place(ann, people, "credit_terms")
    assert payment_terms(ann).grade == "B"
    Invoice.objects.filter(order=order).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )

    # At once: the next checkout sees prepay only, before any task has run.
    terms = payment_terms(ann)
    assert (terms.grade, terms.overdue, terms.methods()) == ("E", True, ["wallet", "card"])

    sent = services.remind_overdue_invoices()

    assert sent == 1
    rating = CreditRating.objects.get(customer=ann)
    assert rating.grade == "E" and rating.reasons[0]["code"] == "overdue"
    assert CreditAccount.objects.get(customer=ann).allowed is False
    assert Message.objects.filter(customer=ann, template="invoice_overdue").count() == 1
    assert AuditEntry.objects.filter(customer=ann, action="credit.rated").exists()
    # Idempotent within the week: no second reminder, no second change.
    assert services.remind_overdue_invoices() == 0
    assert Message.objects.filter(customer=ann, template="invoice_overdue").count() == 1


def test_paying_the_invoice_settles_it_and_lifts_the_cap(people, ann):
    services.override_rating(customer=ann, grade="B", reason="good payer", actor=None)
    order = place(ann, people, "credit_terms")
    invoice = Invoice.objects.get(order=order)
    Invoice.objects.filter(pk=invoice.pk).update(due_on=timezone.localdate())

    services.record_invoice_paid(invoice=invoice, actor=people["employee"])

    invoice.refresh_from_db()
    assert invoice.paid_at is not None
    assert Payment.objects.get(order=order).status == PaymentStatus.CAPTURED
    rating = CreditRating.objects.get(customer=ann)
    assert rating.grade == "B"
    punctuality = next(r for r in rating.reasons if r["code"] == "punctuality")
    assert punctuality["value"] == 1.0
    with pytest.raises(services.CreditError):
        services.record_invoice_paid(invoice=invoice, actor=people["employee"])


def test_override_needs_a_known_grade_and_a_reason(ann):
    with pytest.raises(services.CreditError):
        services.override_rating(customer=ann, grade="A", reason=" ", actor=None)
    with pytest.raises(services.CreditError):
        services.override_rating(customer=ann, grade="Z", reason="why", actor=None)
    assert not CreditRating.objects.filter(customer=ann).exclude(override_grade="").exists()
