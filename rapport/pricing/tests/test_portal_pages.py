"""Permission matrix and validation of the managers' price-list pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.checkout.tests.factories import stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import (
    MANAGER_ONLY,
    NOT_FOUND,
    REDIRECT_HOME,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.customers.models import Customer
from rapport.pricing import services
from rapport.pricing.models import PriceList, PriceListItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(people):
    customer = Customer.objects.get(user=people["customer"])
    price_list = services.save_price_list(actor=None, name="Trade")
    product = stocked_product(sku="85123A", price="2.55")
    item = services.save_item(
        price_list=price_list, product=product, min_quantity=1, actor=None, fixed_price=Decimal("2")
    )
    services.add_customer(price_list=price_list, customer=customer, actor=None)
    return {"customer": customer, "list": price_list, "item": item, "product": product}


def test_permission_matrix_for_price_list_pages(clients, objects):
    pl, item, customer = objects["list"], objects["item"], objects["customer"]
    detail = reverse("portal:price_list", args=[pl.public_id])
    rows = [
        Row("portal:price_lists", reverse("portal:price_lists"), expect(**MANAGER_ONLY)),
        Row("portal:price_list", detail, expect(**MANAGER_ONLY)),
        Row(
            "portal:price_list",
            reverse("portal:price_list", args=["00000000-0000-0000-0000-000000000000"]),
            expect(non_managers=REDIRECT_HOME, manager=NOT_FOUND),
        ),
        Row(
            "portal:price_list_item_save",
            reverse("portal:price_list_item_save", args=[pl.public_id]),
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(detail)),
            method="post",
            data={"sku": "85123A", "min_quantity": "12", "percent_off": "10"},
        ),
        Row(
            "portal:price_list_customer_remove",
            reverse("portal:price_list_customer_remove", args=[pl.public_id, customer.public_id]),
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(detail)),
            method="post",
        ),
        Row(
            "portal:price_list_customer_add",
            reverse("portal:price_list_customer_add", args=[pl.public_id]),
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(detail)),
            method="post",
            data={"email": customer.email},
        ),
        Row(
            "portal:price_list_item_delete",
            reverse("portal:price_list_item_delete", args=[pl.public_id, item.pk]),
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(detail)),
            method="post",
        ),
    ]

    assert check_matrix(rows, clients, objects) == []
    # Only the manager's posts took effect: the 12+ tier added, the first price removed, the
    # customer removed and added back.
    assert list(PriceListItem.objects.values_list("min_quantity", "percent_off")) == [
        (12, Decimal("10.00"))
    ]
    assert pl.members.filter(customer=customer).exists()
    assert AuditEntry.objects.filter(action="pricing.item_deleted").count() == 1


def test_manager_creates_a_list_and_bad_input_is_refused(clients, objects):
    manager = clients["manager"]
    response = manager.post(
        reverse("portal:price_lists"),
        {"name": "Strategic partners", "priority": "5", "is_active": "on", "vip_tier": "strategic"},
    )
    created = PriceList.objects.get(name="Strategic partners")
    assert response.status_code == 302 and created.vip_tier == "strategic"
    assert AuditEntry.objects.filter(
        action="pricing.list_created", object_id=str(created.pk)
    ).exists()

    backwards = manager.post(
        reverse("portal:price_lists"),
        {"name": "Bad", "priority": "0", "valid_from": "2026-02-01", "valid_until": "2026-01-01"},
    )
    assert backwards.status_code == 400 and not PriceList.objects.filter(name="Bad").exists()
    detail = reverse("portal:price_list_item_save", args=[created.public_id])
    both = manager.post(
        detail, {"sku": "85123A", "min_quantity": "1", "fixed_price": "1", "percent_off": "5"}
    )
    unknown = manager.post(detail, {"sku": "NOPE", "min_quantity": "1", "fixed_price": "1"})
    negative = manager.post(detail, {"sku": "85123A", "min_quantity": "1", "fixed_price": "-1"})
    too_much = manager.post(detail, {"sku": "85123A", "min_quantity": "1", "percent_off": "101"})
    assert {r.status_code for r in (both, unknown, negative, too_much)} == {400}
    assert "No product has this item code." in unknown.content.decode()
    assert not created.items.exists()
