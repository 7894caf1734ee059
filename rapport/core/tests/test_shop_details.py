"""The shop's legal details: set once by a manager in the portal, printed on receipts and mails."""

import subprocess

import pytest
from django.urls import reverse

from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.models import AuditEntry, ShopDetails
from rapport.core.shop import shop_details
from rapport.core.testing import MANAGER_ONLY, Row, check_matrix, expect, redirect_to
from rapport.customers.models import Customer
from rapport.orders.receipts import render_receipt_pdf

DETAILS = {
    "legal_name": "Rapport Gifts Ltd",
    "address": "1 High Street\nLondon E1 6AN",
    "tax_number": "GB123456789",
    "email": "hello@rapport.example",
    "phone": "+44 20 7946 0000",
}


@pytest.mark.django_db
def test_only_managers_open_the_shop_details_page(clients, people):
    rows = [
        Row("shop details", reverse("portal:shop_details"), expect(**MANAGER_ONLY)),
        Row(
            "shop details (save)",
            reverse("portal:shop_details"),
            expect(**{**MANAGER_ONLY, "manager": redirect_to(reverse("portal:shop_details"))}),
            method="post",
            data=DETAILS,
        ),
    ]
    assert check_matrix(rows, clients, {}) == []


@pytest.mark.django_db
def test_a_manager_saves_the_details_audited(clients):
    response = clients["manager"].post(reverse("portal:shop_details"), DETAILS)

    assert response.status_code == 302
    saved = ShopDetails.objects.get()
    assert (saved.legal_name, saved.tax_number) == ("Rapport Gifts Ltd", "GB123456789")
    entry = AuditEntry.objects.get(action="shop.details_updated")
    assert "legal_name" in entry.data["changed"]
    assert shop_details().legal_name == "Rapport Gifts Ltd"  # the cached copy was dropped


@pytest.mark.django_db
def test_a_bad_email_is_refused_and_nothing_changes(clients):
    response = clients["manager"].post(reverse("portal:shop_details"), {**DETAILS, "email": "x"})

    assert response.status_code == 200
    assert ShopDetails.objects.count() == 0
    assert not AuditEntry.objects.filter(action="shop.details_updated").exists()


@pytest.mark.django_db(transaction=True)
def test_receipt_and_confirmation_mail_print_the_details(clients, make_user, smtp_server, tmp_path):
    clients["manager"].post(reverse("portal:shop_details"), DETAILS)
    user = make_user("ann.buyer@example.com")
    customer = Customer.objects.create(user=user, email=user.email, name="Ann Buyer")
    order = place_order(
        cart=cart_with(user, (stocked_product(price="5.00"), 1)),
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key="shop-details",
        actor=user,
    )

    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(render_receipt_pdf(order))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    [mail] = smtp_server.wait_for(1)

    assert b"Rapport Gifts Ltd" in text and b"GB123456789" in text
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    for body in (plain, html):
        assert "Rapport Gifts Ltd" in body
        assert "1 High Street, London E1 6AN" in body
        assert "GB123456789" in body
