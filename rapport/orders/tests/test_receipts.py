"""The PDF e-receipt prints Chinese names and product names (CJK fonts from Debian's
fonts-noto-cjk), read back from the PDF's text layer with poppler's pdftotext."""

import subprocess

import pytest

from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.customers.models import Customer
from rapport.orders.receipts import render_receipt_pdf

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes, tmp_path) -> tuple[str, str]:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout
    return text, fonts.decode()


def test_a_chinese_name_and_product_print_on_the_receipt(make_user, tmp_path):
    user = make_user("wang@example.com")
    customer = Customer.objects.create(user=user, email=user.email, name="王小明")
    lamp = stocked_product(name="红色灯笼 RED LANTERN", price="12.50")
    order = place_order(
        cart=cart_with(user, (lamp, 2)),
        customer=customer,
        address=address_for(customer, city="上海市", line1="南京西路 1 号"),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key="zh-receipt",
        actor=user,
    )

    text, fonts = pdf_text(render_receipt_pdf(order), tmp_path)

    assert "王小明" in text
    assert "上海市" in text and "南京西路" in text
    assert "红色灯笼" in text
    assert "CJK" in fonts  # the glyphs come from a CJK font, not from boxes
