"""Permission matrix of the order-risk pages: managers only; everyone else learns nothing."""

import pytest
from django.urls import reverse

from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.testing import MANAGER_ONLY, REDIRECT_HOME, Row, check_matrix, expect, redirect_to
from rapport.customers.models import Customer
from rapport.risk.models import ReviewStatus, RiskAssessment

pytestmark = pytest.mark.django_db


def test_risk_pages_permission_matrix(people, clients):
    customer = Customer.objects.get(user=people["customer"])
    order = place_order(
        cart=cart_with(people["customer"], (stocked_product(), 1)),
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key="matrix",
        actor=people["customer"],
    )
    detail = reverse("portal:risk_detail", args=[order.public_id])
    rows = [
        Row("portal:risk_queue", reverse("portal:risk_queue"), expect(**MANAGER_ONLY)),
        Row("portal:risk_rules", reverse("portal:risk_rules"), expect(**MANAGER_ONLY)),
        Row("portal:risk_detail", detail, expect(**MANAGER_ONLY)),
        Row(
            "portal:risk_decide",
            reverse("portal:risk_decide", args=[order.public_id]),
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(detail)),
            method="post",
            data={"decision": "approve"},
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    # The manager's approve of a clear order was refused: nothing changed.
    assert RiskAssessment.objects.get(order=order).status == ReviewStatus.CLEAR
