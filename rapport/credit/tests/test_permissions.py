"""Permission matrix for the credit pages of the portal."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.core.testing import (
    MANAGER_ONLY,
    NOT_FOUND,
    REDIRECT_HOME,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.credit.models import CreditRating, Invoice
from rapport.customers.models import Customer
from rapport.orders.models import Order
from rapport.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(people):
    customer = Customer.objects.get(user=people["customer"])
    order = Order.objects.create(
        number="R-INV-1",
        customer=customer,
        currency="GBP",
        subtotal=Decimal("40.00"),
        total=Decimal("40.00"),
        placed_at=timezone.now(),
        payment_method="credit_terms",
    )
    payment = Payment.objects.create(
        order=order,
        method="credit_terms",
        amount=Decimal("40.00"),
        currency="GBP",
        status=PaymentStatus.PENDING,
    )
    invoice = Invoice.objects.create(
        number="INV-R-INV-1",
        customer=customer,
        order=order,
        payment=payment,
        amount=Decimal("40.00"),
        currency="GBP",
        due_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    return {"customer": customer, "invoice": invoice}


def test_permission_matrix_for_credit_pages(clients, objects):
    customer, invoice = objects["customer"], objects["invoice"]
    credit_page = reverse("portal:customer_credit", args=[customer.public_id])
    rows = [
        Row("portal:customer_credit", credit_page, expect(**STAFF_ONLY)),
        Row(
            "portal:customer_credit",
            reverse("portal:customer_credit", args=["00000000-0000-0000-0000-000000000000"]),
            expect(non_staff=REDIRECT_HOME, staff=NOT_FOUND),
        ),
        Row("portal:credit_policy", reverse("portal:credit_policy"), expect(**MANAGER_ONLY)),
        Row(
            "portal:customer_credit_override",
            reverse("portal:customer_credit_override", args=[customer.public_id]),
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(credit_page)),
            method="post",
            data={"grade": "B", "reason": "matrix"},
        ),
        Row(
            "portal:invoice_paid",
            reverse("portal:invoice_paid", args=[invoice.public_id]),
            expect(non_staff=REDIRECT_HOME, staff=redirect_to(credit_page)),
            method="post",
        ),
    ]

    assert check_matrix(rows, clients, objects) == []
    # Only the manager's override and the employee's payment took effect.
    rating = CreditRating.objects.get(customer=customer)
    assert (rating.override_grade, rating.override_reason) == ("B", "matrix")
    invoice.refresh_from_db()
    assert invoice.paid_at is not None


def test_manager_edits_the_policy_and_sees_reasons(clients, objects):
    manager = clients["manager"]
    page = manager.get(reverse("portal:credit_policy")).content.decode()
    assert 'name="weight_punctuality"' in page and 'name="credit_limit_A"' in page

    data = {f"weight_{n}": "10" for n in ("punctuality", "cancellations", "returns", "tenure")}
    data |= {"weight_history": "10", "weight_contacts": "10", "weight_value": "0"}
    data |= {"threshold_A": "90", "threshold_B": "70", "threshold_C": "50", "threshold_D": "20"}
    for g in "ABCDE":
        data |= {f"cod_limit_{g}": "100", f"credit_days_{g}": "0", f"credit_limit_{g}": "0"}
    response = manager.post(reverse("portal:credit_policy"), data)

    assert response.status_code == 302
    bad = manager.post(reverse("portal:credit_policy"), {**data, "threshold_A": "10"})
    assert bad.status_code == 400
    detail = clients["employee"].get(
        reverse("portal:customer_credit", args=[objects["customer"].public_id])
    )
    assert detail.status_code == 200 and "INV-R-INV-1" in detail.content.decode()
