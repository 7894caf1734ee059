"""Permission matrix for every storefront and portal URL that after-sales adds."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.aftersales.returns import request_return
from rapport.aftersales.tests.factories import buy, deliver, reachable
from rapport.aftersales.tickets import open_ticket
from rapport.aftersales.upgrades import create_notice
from rapport.checkout.tests.factories import stocked_product
from rapport.core.testing import (
    ALLOW,
    NOT_FOUND,
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    Row,
    check_matrix,
)
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db

OWN = {
    "anonymous": REDIRECT_LOGIN,
    "customer": ALLOW,
    "other_customer": NOT_FOUND,
    "employee": ALLOW,
    "manager": ALLOW,
}
BUYER_ONLY = {**OWN, "employee": NOT_FOUND, "manager": NOT_FOUND}
STAFF = {
    "anonymous": REDIRECT_HOME,
    "customer": REDIRECT_HOME,
    "other_customer": REDIRECT_HOME,
    "employee": ALLOW,
    "manager": ALLOW,
}


@pytest.fixture
def objects(people):
    ann = reachable(Customer.objects.get(user=people["customer"]))
    product = stocked_product(quantity=20)
    order = deliver(buy(people["customer"], ann, [(product, 2)], key="m1"), people["employee"])
    line = order.lines.get(kind="product")
    rma = request_return(
        order=order,
        quantities={line.pk: 1},
        reason="x",
        refund_to="wallet",
        actor=people["customer"],
    )
    other_order = deliver(
        buy(people["customer"], ann, [(product, 1)], key="m2"), people["employee"]
    )
    ticket = open_ticket(line=line, subject="s", body="b", actor=people["customer"])
    notice = create_notice(product=product, title="v2", body="b", actor=people["employee"])
    return {
        "order": order,
        "other_order": other_order,
        "rma": rma,
        "ticket": ticket,
        "notice": notice,
    }


def url(name, key):
    return lambda o: reverse(name, kwargs={"public_id": o[key].public_id})


def storefront_rows():
    return [
        Row("storefront:order_tracking", url("storefront:order_tracking", "order"), OWN),
        Row("storefront:return_start", url("storefront:return_start", "other_order"), BUYER_ONLY),
        Row(
            "storefront:return_start post",
            url("storefront:return_start", "other_order"),
            {**BUYER_ONLY, "customer": 400},
            method="post",
        ),
        Row("storefront:return_detail", url("storefront:return_detail", "rma"), OWN),
        Row("storefront:ticket_start", url("storefront:ticket_start", "order"), BUYER_ONLY),
        Row(
            "storefront:ticket_start post",
            url("storefront:ticket_start", "order"),
            {**BUYER_ONLY, "customer": 400},
            method="post",
        ),
        Row("storefront:ticket_detail", url("storefront:ticket_detail", "ticket"), BUYER_ONLY),
        Row(
            "storefront:ticket_detail post",
            url("storefront:ticket_detail", "ticket"),
            {**BUYER_ONLY, "customer": 400},
            method="post",
        ),
        Row(
            "storefront:ticket_pay",
            url("storefront:ticket_pay", "ticket"),
            BUYER_ONLY,
            method="post",
        ),
    ]


def portal_rows():
    return [
        Row("portal:order_advance", url("portal:order_advance", "order"), STAFF, method="post"),
        Row("portal:returns", reverse("portal:returns"), STAFF),
        Row("portal:return_detail", url("portal:return_detail", "rma"), STAFF),
        Row(
            "portal:return_action",
            lambda o: reverse("portal:return_action", args=[o["rma"].public_id, "approve"]),
            STAFF,
            method="post",
        ),
        Row("portal:tickets", reverse("portal:tickets"), STAFF),
        Row("portal:ticket_detail", url("portal:ticket_detail", "ticket"), STAFF),
        Row("portal:ticket_update", url("portal:ticket_update", "ticket"), STAFF, method="post"),
        Row("portal:upgrades", reverse("portal:upgrades"), STAFF),
        Row(
            "portal:upgrades post",
            reverse("portal:upgrades"),
            {**STAFF, "employee": 400, "manager": 400},
            method="post",
        ),
        Row(
            "portal:upgrade_publish", url("portal:upgrade_publish", "notice"), STAFF, method="post"
        ),
    ]


def _redirects(rows, objects):
    """POSTs that succeed redirect back to a page; compare against that page's URL."""
    targets = {
        "storefront:ticket_pay": reverse(
            "storefront:ticket_detail", kwargs={"public_id": objects["ticket"].public_id}
        ),
        "portal:order_advance": reverse(
            "portal:order", kwargs={"public_id": objects["order"].public_id}
        ),
        "portal:return_action": reverse(
            "portal:return_detail", kwargs={"public_id": objects["rma"].public_id}
        ),
        "portal:ticket_update": reverse(
            "portal:ticket_detail", kwargs={"public_id": objects["ticket"].public_id}
        ),
        "portal:upgrade_publish": reverse("portal:upgrades"),
    }
    for row in rows:
        if row.name in targets:
            row.expect = dict(row.expect)  # the shared expectation dicts stay as they are
            for actor, want in row.expect.items():
                if want == ALLOW:
                    row.expect[actor] = "redirect:" + targets[row.name]
    return rows


def test_storefront_aftersales_matrix(clients, objects):
    assert check_matrix(_redirects(storefront_rows(), objects), clients, objects) == []


def test_portal_aftersales_matrix(clients, objects):
    assert check_matrix(_redirects(portal_rows(), objects), clients, objects) == []


def test_portal_order_page_shows_next_steps(clients, objects):
    page = clients["employee"].get(
        reverse("portal:order", kwargs={"public_id": objects["other_order"].public_id})
    )
    assert page.status_code == 200
    assert b"JD0001" in page.content  # the shipment
