"""The main pages in English and in Chinese, as a browser that asks for each language sees them:
money with its currency and dates written the language's way, and no English left on the
Chinese pages (no sentence of the project's catalogue appears untranslated)."""

from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import timezone, translation
from playwright.sync_api import expect

from rapport.catalog.tests.factories import CategoryFactory
from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core import testing
from rapport.core.dates import format_date
from rapport.customers.models import Customer
from rapport.customers.tests.factories import reseed
from rapport.payments.services import top_up_wallet

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CATALOGUE = Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/django.po"
# Sentences of three words or more (no placeholders): any of them on a Chinese page is English
# that a Chinese reader would see.
SENTENCES = sorted(
    {
        e.msgid
        for e in polib.pofile(str(CATALOGUE))
        if e.translated()
        and len(e.msgid.split()) >= 3
        and "%" not in e.msgid
        and "{" not in e.msgid
    }
)


@pytest.fixture
def shop(make_user):
    reseed()
    lights = CategoryFactory(name="Candles & lights", slug="candles-lights")
    lantern = stocked_product(quantity=50, price="1234.50", name="GRAND LANTERN", category=lights)
    user = make_user("li@example.com", first_name="Li")
    customer = Customer.objects.create(user=user, email=user.email, name="李雷")
    top_up_wallet(customer=customer, amount=Decimal("5000.00"), actor=None)
    order = place_order(
        cart=cart_with(user, (lantern, 1)),
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method="wallet",
        idempotency_key="locale-1",
        actor=user,
    )
    return {"lantern": lantern, "order": order, "user": user}


def visit(browser, live_server, locale, shop):
    context = browser.new_context(base_url=live_server.url, locale=locale)
    client = Client()
    testing.login_customer(client, shop["user"])
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    pages = {}
    for name, path in [
        ("product", shop["lantern"].get_absolute_url()),
        ("orders", "/account/orders/"),
        ("order", f"/account/orders/{shop['order'].public_id}/"),
        ("home", "/"),
    ]:
        tab.goto(path)
        tab.wait_for_load_state("networkidle")
        pages[name] = tab.locator("main").inner_text()
    context.close()
    return pages


def test_english_pages_write_pounds_and_english_dates(browser, live_server, shop):
    pages = visit(browser, live_server, "en-GB", shop)
    with translation.override("en"):
        placed = format_date(timezone.localtime(shop["order"].placed_at))

    assert "£1,234.50" in pages["product"]
    assert placed in pages["orders"] and placed[-4:].isdigit()  # "6 Dec 2026"
    assert f"£{shop['order'].total:,}" in pages["order"]


def test_chinese_pages_write_pounds_chinese_dates_and_no_english(browser, live_server, shop):
    pages = visit(browser, live_server, "zh-CN", shop)
    with translation.override("zh-hans"):
        placed = format_date(timezone.localtime(shop["order"].placed_at))

    assert "£1,234.50" in pages["product"]
    assert placed in pages["orders"] and "年" in placed and "日" in placed
    assert "购物车" in pages["home"] or "订单" in pages["orders"]
    untranslated = {name: [s for s in SENTENCES if s in text] for name, text in pages.items()}
    assert {k: v for k, v in untranslated.items() if v} == {}


def test_the_footer_switch_turns_the_store_chinese_and_keeps_the_page(browser, live_server, shop):
    """The switch posts without a CSRF token: the browser's own Origin header lets it in."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    path = shop["lantern"].get_absolute_url()
    tab.goto(path)

    tab.locator(".language-switch button[value='zh-hans']").click()

    expect(tab.locator("html")).to_have_attribute("lang", "zh-hans")
    assert tab.url == live_server.url + path
    expect(tab.locator(".language-switch button[value='zh-hans']")).to_be_disabled()
    tab.goto("/")  # kept for the next page
    expect(tab.locator("html")).to_have_attribute("lang", "zh-hans")
    context.close()
