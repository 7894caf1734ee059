"""Staff side of the shop: order list and page, wallet top-up, stock adjustment, product image."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from rapport.catalog.models import Product
from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.inventory.models import StockMove
from rapport.payments.models import WalletAccount, WalletEntry
from rapport.payments.services import top_up_wallet

pytestmark = pytest.mark.django_db


def order_for(user, key, method="cod"):
    customer = Customer.objects.get(user=user)
    if method == "wallet":
        top_up_wallet(customer=customer, amount=Decimal("100"), actor=None)
    return place_order(
        cart=cart_with(user, (stocked_product(), 1)),
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method=method,
        idempotency_key=key,
        actor=user,
    )


def numbers(response):
    return {o.number for o in response.context["page"]}


def test_order_list_search_and_filters(clients, people):
    a = order_for(people["customer"], "a")
    b = order_for(people["other_customer"], "b", method="wallet")
    staff = clients["employee"]
    url = reverse("portal:orders")

    assert numbers(staff.get(url)) == {a.number, b.number}
    assert numbers(staff.get(url, {"q": "bob@example"})) == {b.number}
    assert numbers(staff.get(url, {"q": a.number})) == {a.number}
    assert numbers(staff.get(url, {"payment": "wallet"})) == {b.number}
    assert numbers(staff.get(url, {"status": "shipped"})) == set()
    assert numbers(staff.get(url, {"status": "nonsense"})) == {a.number, b.number}


def test_order_list_query_count_is_bounded(clients, people, django_assert_max_num_queries):
    for i in range(12):
        order_for(people["customer"] if i % 2 else people["other_customer"], f"k{i}")
    with django_assert_max_num_queries(8):
        response = clients["employee"].get(reverse("portal:orders"))
    assert len(numbers(response)) == 12


def test_order_page_shows_lines_and_payment(clients, people):
    order = order_for(people["customer"], "x")
    body = (
        clients["employee"]
        .get(reverse("portal:order", kwargs={"public_id": order.public_id}))
        .content.decode()
    )
    assert order.number in body and "Cash on delivery" in body and "Standard delivery" in body


@pytest.mark.parametrize("amount", ["0", "-10", "abc", "1000000"])
def test_wallet_top_up_bad_amount_changes_nothing(clients, people, amount):
    ann = Customer.objects.get(user=people["customer"])
    r = clients["employee"].post(
        reverse("portal:wallet", kwargs={"public_id": ann.public_id}), {"amount": amount}
    )
    assert r.status_code == 400
    assert WalletEntry.objects.count() == 0


def test_wallet_top_up_is_audited_on_the_timeline(clients, people):
    ann = Customer.objects.get(user=people["customer"])
    clients["manager"].post(
        reverse("portal:wallet", kwargs={"public_id": ann.public_id}),
        {"amount": "12.50", "note": "sorry"},
    )
    assert WalletAccount.objects.get(customer=ann).balance == Decimal("12.50")
    entry = AuditEntry.objects.get(action="wallet.topped_up")
    assert entry.customer == ann and entry.actor == people["manager"]


def test_stock_adjustment_below_zero_is_refused(clients):
    product = stocked_product(quantity=2)
    url = reverse("portal:stock", kwargs={"public_id": product.public_id})
    r = clients["employee"].post(url, {"form": "adjust", "delta": "-5", "reason": "adjustment"})
    assert r.status_code == 400
    assert "below zero" in r.content.decode()
    assert stock_of(product) == 2 and StockMove.objects.count() == 0


def png_bytes():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, format="PNG")
    return buf.getvalue()


def test_image_upload_validates_type_and_size(clients, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = stocked_product(sku="IMG1")
    url = reverse("portal:stock", kwargs={"public_id": product.public_id})
    staff = clients["employee"]

    fake = SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png")
    r = staff.post(url, {"form": "image", "image": fake})
    assert r.status_code == 400 and "not an image" in r.content.decode()
    big = SimpleUploadedFile(
        "big.png", png_bytes() + b"0" * (2 * 1024 * 1024), content_type="image/png"
    )
    assert "2 MB" in staff.post(url, {"form": "image", "image": big}).content.decode()
    assert not Product.objects.get(pk=product.pk).image

    good = SimpleUploadedFile("red.png", png_bytes(), content_type="image/png")
    assert staff.post(url, {"form": "image", "image": good}).status_code == 302
    product.refresh_from_db()
    assert product.image.name.endswith("IMG1.png")
    assert "<img" in clients["customer"].get(product.get_absolute_url()).content.decode()


def png_header(width, height):
    """A PNG that claims `width` x `height` pixels in a few dozen bytes (no pixel data)."""
    import struct
    import zlib

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(20000, 10000), (6000, 5000)])
def test_an_image_claiming_too_many_pixels_is_refused_with_a_clear_error(
    clients, settings, tmp_path, size
):
    # 20000 x 10000 trips Pillow's own decompression-bomb error (a 500 before); 6000 x 5000
    # (30 megapixels) only our cap.
    settings.MEDIA_ROOT = tmp_path
    product = stocked_product(sku="BOMB1")
    url = reverse("portal:stock", kwargs={"public_id": product.public_id})
    bomb = SimpleUploadedFile("bomb.png", png_header(*size), content_type="image/png")

    r = clients["employee"].post(url, {"form": "image", "image": bomb})

    assert r.status_code == 400
    assert "too large: at most 25 megapixels" in r.content.decode()
    assert not Product.objects.get(pk=product.pk).image
