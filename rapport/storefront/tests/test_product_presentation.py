"""Product presentation: a drawn category icon until there is a photo, names in capitals shown in
a readable case (the stored name kept), and the sets a product is part of."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.catalog.icons import icon_drawing
from rapport.catalog.models import Category
from rapport.catalog.names import readable_name
from rapport.checkout.tests.factories import stocked_product
from rapport.recommendations import services as bundles

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "stored,shown",
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "White Hanging Heart T-Light Holder"),
        ("PACK OF 72 RETROSPOT CAKE CASES", "Pack of 72 Retrospot Cake Cases"),
        ("DOLLY GIRL'S BEAKER", "Dolly Girl's Beaker"),
        ("Already written by staff", "Already written by staff"),
        ("12 / 24", "12 / 24"),
    ],
)
def test_names_in_capitals_read_in_title_case(stored, shown):
    assert readable_name(stored) == shown


def test_product_page_shows_the_readable_name_and_keeps_the_invoice_name(client):
    lantern = stocked_product(name="MOROCCAN METAL LANTERN", price="4.95")

    page = client.get(lantern.get_absolute_url()).content.decode()

    assert "<h1>Moroccan Metal Lantern</h1>" in page
    assert '<dd class="invoice-name">MOROCCAN METAL LANTERN</dd>' in page
    assert "<title>Moroccan Metal Lantern · " in page


def test_a_product_without_photo_shows_its_categorys_icon(client):
    lights = Category.objects.create(
        name="Candles & lights", slug="candles-lights", external_key="home-living/candles-lights"
    )
    lantern = stocked_product(name="MOROCCAN METAL LANTERN", category=lights)

    page = client.get(lantern.get_absolute_url()).content.decode()

    drawing = icon_drawing("lamp")
    assert drawing, "the lucide-static npm package is installed by `make install`"
    assert "icon-tile" in page and drawing in page


def test_the_product_fragment_offers_the_sets_it_belongs_to(client):
    mug, saucer = stocked_product(name="TEA MUG", price="3.00"), stocked_product(price="2.00")
    bundles.create_bundle(
        actor=None, name="Tea for one", price=Decimal("4.50"), items=[(mug, 1), (saucer, 1)]
    )

    fragment = client.get(reverse("storefront:suggestions_product", args=[mug.public_id]))
    html = fragment.content.decode()

    assert "Tea for one" in html
    assert "£4.50 instead of £5.00 (you save £0.50)" in html
    assert saucer.get_absolute_url() in html
