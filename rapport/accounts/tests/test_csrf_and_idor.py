"""CSRF on every POST form; object-level access for orders and customers (no IDOR)."""

import re
import uuid
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.core.models import AuditEntry
from rapport.core.testing import login_customer, login_staff
from rapport.customers.access import get_customer_for
from rapport.customers.models import Customer
from rapport.orders.access import get_order_for, orders_visible_to
from rapport.orders.models import Order

pytestmark = pytest.mark.django_db


def post_urls(people):
    target = people["employee"].pk
    customer = Customer.objects.get(user=people["customer"])
    return {
        "anonymous": [
            reverse("storefront:login"),
            reverse("storefront:register"),
            reverse("storefront:password_reset"),
            reverse("storefront:password_reset_confirm", args=["MQ", "set-password"]),
            reverse("storefront:login_verify"),
            reverse("portal:login"),
            reverse("portal:login_verify"),
            reverse("portal:login_enrol"),
            reverse("portal:enrol", args=["MQ", "token"]),
        ],
        "customer": [
            reverse("storefront:logout"),
            reverse("storefront:verify_resend"),
            reverse("storefront:email_change"),
            reverse("storefront:security"),
            reverse("storefront:security_disable"),
            reverse("storefront:security_new_codes"),
        ],
        "manager": [
            reverse("portal:logout"),
            reverse("portal:staff_create"),
            reverse("portal:staff_role", args=[target]),
            reverse("portal:staff_send_link", args=[target]),
            reverse("portal:staff_reset_2fa", args=[target]),
            reverse("portal:staff_deactivate", args=[target]),
            reverse("portal:customer_vip", args=[customer.public_id]),
        ],
    }


def test_every_post_form_refuses_a_request_without_csrf_token(people, password):
    before = AuditEntry.objects.count()
    for actor, urls in post_urls(people).items():
        client = Client(enforce_csrf_checks=True)
        if actor == "customer":
            login_customer(client, people["customer"])
        elif actor == "manager":
            login_staff(client, people["manager"])
        for url in urls:
            response = client.post(
                url,
                {
                    "username": people["customer"].email,
                    "password": password,
                    "email": "x@example.com",
                    "role": "Manager",
                    "is_vip": "on",
                },
            )
            assert response.status_code == 403, url

    assert AuditEntry.objects.count() == before
    assert people["employee"].__class__.objects.get(pk=people["employee"].pk).is_active
    assert not Customer.objects.get(user=people["customer"]).is_vip


def test_forms_carry_a_csrf_token(clients):
    pages = {
        "anonymous": [
            "storefront:login",
            "storefront:register",
            "storefront:password_reset",
            "portal:login",
        ],
        "customer": ["storefront:email_change", "storefront:security"],
        "manager": ["portal:staff_create", "portal:staff_list"],
    }
    for actor, names in pages.items():
        for name in names:
            html = clients[actor].get(reverse(name)).content.decode()
            forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.S)
            assert forms, name
            # The footer's language switch is the one exception: it changes nothing but the
            # visitor's language cookie and checks the browser's Origin / Sec-Fetch-Site instead
            # (storefront.views.language; tests/test_translations.py).
            language = f'action="{reverse("storefront:language")}"'
            guarded = [form for form in forms if language not in form]
            assert guarded and all("csrfmiddlewaretoken" in form for form in guarded), name


@pytest.fixture
def orders(people):
    def order_of(user, number):
        return Order.objects.create(
            number=number,
            customer=Customer.objects.get(user=user),
            total=Decimal("12.50"),
            placed_at=timezone.now(),
        )

    return {
        "ann": order_of(people["customer"], "R-1001"),
        "bob": order_of(people["other_customer"], "R-1002"),
    }


def test_customer_gets_own_order_and_404_for_another_customers(people, orders):
    ann = people["customer"]

    assert get_order_for(ann, orders["ann"].public_id) == orders["ann"]
    with pytest.raises(Http404) as caught:
        get_order_for(ann, orders["bob"].public_id)
    assert "R-1002" not in str(caught.value)
    assert list(orders_visible_to(ann)) == [orders["ann"]]


def test_missing_and_malformed_order_ids_look_like_another_customers(people, orders):
    for bad in (uuid.uuid4(), "not-a-uuid", None):
        with pytest.raises(Http404):
            get_order_for(people["customer"], bad)


def test_staff_see_every_order_anonymous_none(people, orders):
    for actor in ("employee", "manager"):
        assert get_order_for(people[actor], orders["bob"].public_id) == orders["bob"]
    with pytest.raises(Http404):
        get_order_for(None, orders["ann"].public_id)
    from django.contrib.auth.models import AnonymousUser

    assert list(orders_visible_to(AnonymousUser())) == []


def test_customer_record_only_for_its_owner_and_staff(people):
    ann_record = Customer.objects.get(user=people["customer"])

    assert get_customer_for(people["customer"], ann_record.public_id) == ann_record
    assert get_customer_for(people["employee"], ann_record.public_id) == ann_record
    with pytest.raises(Http404):
        get_customer_for(people["other_customer"], ann_record.public_id)


def test_another_customers_vip_page_is_not_reachable_by_a_customer(clients, people):
    ann_record = Customer.objects.get(user=people["customer"])

    response = clients["other_customer"].post(
        reverse("portal:customer_vip", args=[ann_record.public_id]), {"is_vip": "on"}
    )

    assert response["Location"] == "/"
    ann_record.refresh_from_db()
    assert ann_record.is_vip is False
