"""'Picked for you' (stored next-basket lists) and 'Buy again' on the pages that show them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.checkout.tests.factories import stocked_product
from rapport.customers.models import Customer
from rapport.inventory.models import StockRecord
from rapport.recommendations import picks
from rapport.recommendations.models import CustomerPicks
from rapport.recommendations.refresh import refresh_picks
from rapport.recommendations.tests.helpers import past_order

pytestmark = pytest.mark.django_db


def ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def shown_ids(html: str) -> list[str]:
    return re.findall(r'data-product="([0-9a-f-]{36})"', html)


def set_quantity(order, product, quantity: int) -> None:
    order.lines.filter(product=product).update(quantity=quantity)


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


def test_picked_for_you_page_shows_exactly_the_as_shown_list(clients, ann, people):
    products = [stocked_product(name=f"ITEM {i}") for i in range(8)]
    bob = Customer.objects.get(user=people["other_customer"])
    for day, chosen in ((90, products[:5]), (60, products[1:6]), (30, products[2:7])):
        past_order(ann, *chosen, placed_at=ago(day))
        past_order(bob, *products[3:], placed_at=ago(day + 1))
    # One of Ann's likely picks can no longer be sold: the block must skip it.
    StockRecord.objects.filter(product=products[3]).update(quantity=0)
    refresh_picks()

    html = clients["customer"].get(reverse("storefront:suggestions_for_you")).content.decode()

    stored = CustomerPicks.objects.get(customer=ann).items
    sellable = {p.pk for p in products if p.pk != products[3].pk}
    expected = [p for p, *_rest in stored if p in sellable][: picks.PICKED_FOR_YOU]
    by_pk = {p.pk: str(p.public_id) for p in products}
    assert shown_ids(html) == [by_pk[p] for p in expected]
    assert shown_ids(html) == [str(x.product.public_id) for x in picks.picked_for_you(ann) or []]
    assert len(expected) == picks.PICKED_FOR_YOU
    assert str(products[3].public_id) not in html


def test_buy_again_ranks_due_items_first_with_the_usual_quantity(clients, ann):
    tea, candles, lamp = (stocked_product(name=n) for n in ("TEA", "CANDLES", "LAMP"))
    # Tea every 3 weeks (12 units each time), last 30 days ago: due. Candles every 4 weeks,
    # last 3 days ago: not due. The lamp once.
    for day in (93, 72, 51, 30):
        set_quantity(past_order(ann, tea, placed_at=ago(day)), tea, 12)
    for day in (59, 31, 3):
        past_order(ann, candles, placed_at=ago(day))
    past_order(ann, lamp, placed_at=ago(200))

    html = clients["customer"].get(reverse("storefront:suggestions_buy_again")).content.decode()

    assert shown_ids(html) == [str(tea.public_id), str(candles.public_id), str(lamp.public_id)]
    assert "Due again: you order this about every 3 weeks." in html
    assert "You order this about every 4 weeks." in html
    assert re.search(r'name="quantity" value="12"', html)


def test_nothing_out_of_stock_retired_or_unpriced_is_shown(clients, ann):
    ok = stocked_product(name="OK")
    empty = stocked_product(name="EMPTY", quantity=0)
    retired = stocked_product(name="RETIRED", is_active=False)
    unpriced = stocked_product(name="UNPRICED")
    unpriced.price = None
    unpriced.save(update_fields=["price"])
    for day in (60, 30):
        past_order(ann, ok, empty, retired, unpriced, placed_at=ago(day))
    refresh_picks()

    pages = [
        clients["customer"].get(reverse("storefront:suggestions_buy_again")).content.decode(),
        clients["customer"].get(reverse("storefront:suggestions_for_you")).content.decode(),
    ]

    for html in pages:
        assert shown_ids(html) == [str(ok.public_id)]


def test_cart_block_leaves_out_what_is_in_the_cart(clients, ann):
    tea, candles = stocked_product(name="TEA"), stocked_product(name="CANDLES")
    past_order(ann, tea, candles, placed_at=ago(40))
    client = clients["customer"]
    client.post(reverse("storefront:cart_add_product", args=[tea.public_id]), {"quantity": "1"})

    url = reverse("storefront:suggestions_buy_again") + "?where=cart"
    html = client.get(url).content.decode()

    assert shown_ids(html) == [str(candles.public_id)]
    assert "You usually also order" in html


def test_anonymous_visitors_get_no_personal_blocks(client):
    assert client.get(reverse("storefront:suggestions_buy_again")).content == b""
    assert client.get(reverse("storefront:suggestions_for_you")).content == b""
    home = client.get(reverse("storefront:home")).content.decode()
    assert "buy-again" not in home and "picked-for-you" not in home


def test_home_orders_and_cart_pages_load_the_buy_again_block(clients, ann):
    tea = stocked_product(name="TEA")
    past_order(ann, tea, placed_at=ago(10))
    client = clients["customer"]
    client.post(reverse("storefront:cart_add_product", args=[stocked_product().public_id]))

    for name, where in (("home", "home"), ("orders", "orders"), ("cart", "cart")):
        html = client.get(reverse(f"storefront:{name}")).content.decode()
        assert f"suggestions/buy-again/?where={where}" in html


def test_reasons_read_in_both_languages():
    from django.utils import translation

    reason = picks.repeat_reason(interval=42.0, orders=4, due=True)
    with translation.override("zh-hans"):
        chinese = picks.repeat_reason(interval=42.0, orders=4, due=True)

    assert reason == "Due again: you order this about every 6 weeks."
    assert chinese == "又该补货了：您大约每6周订购一次。"  # noqa: RUF001
