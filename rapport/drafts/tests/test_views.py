"""Draft order pages: the permission matrix of the portal and store pages, and what they do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.core.testing import (
    ALLOW,
    NOT_FOUND,
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    Row,
    check_matrix,
    redirect_to,
)
from rapport.drafts.models import DraftOrder, DraftStatus
from rapport.drafts.services import DraftLineInput, save_draft
from rapport.orders.models import Order
from rapport.quotes.tests.factories import customer_of

pytestmark = pytest.mark.django_db

CUSTOMER_OWN = {
    "anonymous": REDIRECT_LOGIN,
    "customer": ALLOW,
    "other_customer": NOT_FOUND,
    "employee": NOT_FOUND,
    "manager": NOT_FOUND,
}
STAFF = {
    "anonymous": REDIRECT_HOME,
    "customer": REDIRECT_HOME,
    "other_customer": REDIRECT_HOME,
    "employee": ALLOW,
    "manager": ALLOW,
}


@pytest.fixture
def objects(people):
    ann = customer_of(people["customer"])
    pen = stocked_product(quantity=50, price="10.00", sku="PEN")
    stocked_product(quantity=50, price="4.00", sku="INK")

    def draft():
        return save_draft(actor=people["employee"], customer=ann, lines=[DraftLineInput(pen, 2)])

    return {"ann": ann, "pen": pen, "shown": draft(), "to_place": draft(), "to_drop": draft()}


def url(name, key):
    return lambda o: reverse(name, kwargs={"public_id": o[key].public_id})


def test_store_drafts_matrix_shows_a_customer_only_their_drafts(clients, objects):
    rows = [
        Row(
            "storefront:drafts",
            reverse("storefront:drafts"),
            {**CUSTOMER_OWN, "other_customer": ALLOW},  # their own (empty) list
        ),
        Row("storefront:draft_detail", url("storefront:draft_detail", "shown"), CUSTOMER_OWN),
    ]
    assert check_matrix(rows, clients, objects) == []
    own = clients["customer"].get(reverse("storefront:drafts")).content.decode()
    other = clients["other_customer"].get(reverse("storefront:drafts")).content.decode()
    assert str(objects["shown"]) in own and str(objects["shown"]) not in other
    page = clients["customer"].get(url("storefront:draft_detail", "shown")(objects)).content
    assert b"20.00" in page


def test_portal_drafts_matrix(clients, objects):
    detail = url("portal:draft_detail", "shown")(objects)
    rows = [
        Row("portal:drafts", reverse("portal:drafts"), STAFF),
        Row("portal:draft_detail", detail, STAFF),
        # A stale version (none sent) is refused and shows the page again with the reason.
        Row(
            "portal:draft_edit",
            url("portal:draft_edit", "shown"),
            {**STAFF, "employee": 400, "manager": 400},
            method="post",
        ),
        Row(
            "portal:draft_place",
            url("portal:draft_place", "shown"),
            {**STAFF, "employee": 400, "manager": 400},
            method="post",
        ),
        # Discarding the same version again (the manager's repeat) is a no-op, not an error.
        Row(
            "portal:draft_discard",
            url("portal:draft_discard", "to_drop"),
            {
                **STAFF,
                "employee": redirect_to(reverse("portal:drafts")),
                "manager": redirect_to(reverse("portal:drafts")),
            },
            method="post",
            data={"version": "1"},
        ),
    ]
    assert check_matrix(rows, clients, objects) == []
    assert DraftOrder.objects.get(pk=objects["to_drop"].pk).status == DraftStatus.DISCARDED
    assert not Order.objects.exists()


def test_staff_edit_then_place_a_draft_in_the_portal(clients, objects):
    client, draft = clients["employee"], objects["to_place"]
    edit = reverse("portal:draft_edit", kwargs={"public_id": draft.public_id})

    saved = client.post(edit, {"version": "1", "sku": ["PEN", "INK"], "quantity": ["3", "1"]})
    stale = client.post(edit, {"version": "1", "sku": ["PEN"], "quantity": ["9"]})
    placed = client.post(
        reverse("portal:draft_place", kwargs={"public_id": draft.public_id}),
        {"version": "2", "payment_method": "cod", "shipping_method": "standard"},
    )

    assert saved.status_code == 302 and stale.status_code == 400
    order = Order.objects.get()
    assert placed.status_code == 302 and placed["Location"].endswith(f"{order.public_id}/")
    assert order.subtotal == 34 and stock_of(objects["pen"]) == 47
    assert DraftOrder.objects.get(pk=draft.pk).status == DraftStatus.PLACED
