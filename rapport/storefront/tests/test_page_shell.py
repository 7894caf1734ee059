"""A first-time visitor's product, home and category pages are drawn from the page's own blocks
set into a kept shell (`pagecache.render_in_shell`); anyone else's from the whole template. Both
must give the same page, whatever the page shows."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from rapport.catalog.models import Product
from rapport.catalog.tests.factories import CategoryFactory
from rapport.checkout.tests.factories import stocked_product

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def products() -> None:
    parent = CategoryFactory(name="Home & garden", slug="home-garden")
    lights = CategoryFactory(name="Candles <lights>", slug="candles", parent=parent)
    plain = stocked_product(quantity=5, name="Tea light", category=None)
    described = stocked_product(
        quantity=1,
        name="GRAND LANTERN & HOOK",
        category=lights,
        description="<p>Brass lantern</p>\n\nHangs from a hook. " + "Long words. " * 30,
    )
    sold_out = stocked_product(quantity=0, name="Sold-out candle", category=lights)
    configurable = stocked_product(quantity=3, name="Made to measure", category=parent)
    Product.objects.filter(pk=configurable.pk).update(built_to_order=True)
    rated = stocked_product(quantity=9, name="Rated lamp", category=lights)
    Product.objects.filter(pk=rated.pk).update(rating_count=3, rating_average=4.33)
    assert {plain, described, sold_out} <= set(Product.objects.all())


def page(client: Client, product: Product | str, language: str) -> str:
    path = product if isinstance(product, str) else product.get_absolute_url()
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return TOKEN.sub(r"\1TOKEN\2", response.content.decode())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_first_visitors_page_is_the_whole_templates_page(language):
    products()
    for product in Product.objects.all():
        first_visit = Client()
        # A session cookie (even an unknown one) makes the page the visitor's own: the view
        # renders the whole template and keeps no copy.
        own = Client()
        own.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"

        shared, whole = page(first_visit, product, language), page(own, product, language)

        assert shared == whole, product.name
        assert product.sku in shared and "TOKEN" in shared


def test_the_shell_follows_the_language():
    product = stocked_product(quantity=2, name="Lamp")

    english = page(Client(), product, "en")
    chinese = page(Client(), product, "zh-hans")

    assert 'lang="en"' in english and 'lang="zh-hans"' in chinese
    assert "购物车" in chinese and "购物车" not in english


def own_client() -> Client:
    own = Client()
    own.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    return own


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_home_and_listing_pages_are_the_whole_templates_pages(language):
    products()
    paths = ["/", "/c/candles/", "/c/candles/?sort=-price", "/c/home-garden/?page=2", "/c/none/"]
    for path in paths[:-1]:
        shared, whole = page(Client(), path, language), page(own_client(), path, language)

        assert shared == whole, path
        assert "<main" in shared and "</footer>" in shared
    assert Client().get(paths[-1]).status_code == 404
