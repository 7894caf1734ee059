"""VIP pages: the manager's proposals, the customer's account manager, ticket priority."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.aftersales.models import ServiceTicket
from rapport.aftersales.queries import staff_tickets
from rapport.core.testing import MANAGER_ONLY, REDIRECT_HOME, Row, check_matrix, expect, redirect_to
from rapport.customers.models import Customer
from rapport.customervalue.models import CustomerValue, VipTier
from rapport.customervalue.services import confirm_vip
from rapport.orders.models import Order, OrderLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(people):
    ann = Customer.objects.get(user=people["customer"])
    CustomerValue.objects.create(
        customer=ann,
        predicted_12m=Decimal("9000.00"),
        value_rank=1,
        proposed_tier=VipTier.STRATEGIC,
        proposal_reasons=[{"code": "predicted", "value": "9000.00"}],
        computed_at=timezone.now(),
    )
    return {"customer": ann}


def test_permission_matrix_for_vip_pages(clients, people, objects):
    ann = objects["customer"]
    rows = [
        Row("portal:vip_proposals", reverse("portal:vip_proposals"), expect(**MANAGER_ONLY)),
        Row(
            "portal:vip_confirm",
            reverse("portal:vip_confirm", args=[ann.public_id]),
            expect(
                non_managers=REDIRECT_HOME, manager=redirect_to(reverse("portal:vip_proposals"))
            ),
            method="post",
            data={
                "tier": "strategic",
                "reason": "matrix",
                "account_manager": people["employee"].pk,
            },
        ),
    ]

    assert check_matrix(rows, clients, objects) == []
    ann.refresh_from_db()
    assert ann.is_vip is True
    assert CustomerValue.objects.get(customer=ann).account_manager == people["employee"]


def test_proposal_page_shows_reasons(clients, objects):
    body = clients["manager"].get(reverse("portal:vip_proposals")).content.decode()
    assert "Ann Buyer" in body and "9000.00" in body and "Strategic partner" in body


def test_vip_sees_their_account_manager(clients, people, objects):
    page = clients["customer"].get(reverse("storefront:profile")).content.decode()
    assert "account-manager" not in page

    confirm_vip(
        customer=objects["customer"],
        tier=VipTier.IMPORTANT,
        reason="wholesale",
        account_manager=people["employee"],
        actor=people["manager"],
    )

    page = clients["customer"].get(reverse("storefront:profile")).content.decode()
    assert 'data-testid="account-manager"' in page
    assert "mailto:emma@staff.example.com" in page
    other = clients["other_customer"].get(reverse("storefront:profile")).content.decode()
    assert "emma@staff.example.com" not in other


def test_vip_tickets_come_first_in_the_staff_queue(people, objects):
    ann = objects["customer"]
    bob = Customer.objects.get(user=people["other_customer"])
    order = Order.objects.create(
        number="T-1", customer=ann, currency="GBP", placed_at=timezone.now()
    )
    line = OrderLine.objects.create(
        order=order, sku="X", name="X", quantity=1, unit_price=1, line_total=1
    )
    vip_ticket = ServiceTicket.objects.create(
        number="S-1", customer=ann, order_line=line, subject="old", coverage="warranty"
    )
    newer = ServiceTicket.objects.create(
        number="S-2", customer=bob, order_line=line, subject="new", coverage="warranty"
    )
    assert list(staff_tickets()) == [newer, vip_ticket]

    confirm_vip(
        customer=ann,
        tier=VipTier.IMPORTANT,
        reason="x",
        account_manager=people["employee"],
        actor=people["manager"],
    )

    assert list(staff_tickets()) == [vip_ticket, newer]
