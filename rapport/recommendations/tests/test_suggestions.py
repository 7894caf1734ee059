"""What is suggested where, with which reason, and what never is."""

from __future__ import annotations

import pytest
from django.utils import translation

from rapport.catalog.tests.factories import CategoryFactory
from rapport.checkout.tests.factories import stocked_product
from rapport.customers.tests.factories import CustomerFactory
from rapport.orders.models import OrderKind
from rapport.recommendations import queries, services
from rapport.recommendations.models import CategoryRule, Consumable, PriceTier
from rapport.recommendations.tests.helpers import past_order, rule
from rapport.segments.models import SegmentKind
from rapport.segments.services import add_static_members, save_segment

pytestmark = pytest.mark.django_db


def names(suggestions):
    return [s.product.name for s in suggestions]


def test_rule_suggestion_carries_a_reason_naming_the_product():
    lamp = stocked_product(name="BRASS LAMP")
    candles = stocked_product(name="CANDLES")
    rule(lamp, candles)
    [s] = queries.for_product(lamp)
    assert s.product == candles
    assert s.source == "rule"
    assert s.reason == "Customers who bought “BRASS LAMP” often add this too."


def test_reason_is_translated():
    lamp = stocked_product(name="LAMP")
    rule(lamp, stocked_product(name="CANDLES"))
    with translation.override("zh-hans"):
        reason = queries.for_product(lamp)[0].reason
    assert reason == "购买“LAMP”的顾客常常也会加购此商品。"


def test_rules_order_by_confidence():
    lamp = stocked_product(name="LAMP")
    weak, strong = stocked_product(name="WEAK"), stocked_product(name="STRONG")
    rule(lamp, weak, confidence=0.3, rank=2)
    rule(lamp, strong, confidence=0.9, rank=1)
    assert names(queries.for_product(lamp)) == ["STRONG", "WEAK"]


def test_out_of_stock_and_not_on_sale_are_never_suggested():
    lamp = stocked_product(name="LAMP")
    sold_out = stocked_product(name="SOLD OUT", quantity=0)
    withdrawn = stocked_product(name="WITHDRAWN", is_active=False)
    fine = stocked_product(name="FINE")
    for p in (sold_out, withdrawn, fine):
        rule(lamp, p)
    assert names(queries.for_product(lamp)) == ["FINE"]


def test_already_bought_is_excluded_unless_consumable():
    customer = CustomerFactory()
    lamp = stocked_product(name="LAMP")
    shade = stocked_product(name="SHADE")
    candles = stocked_product(name="CANDLES")
    rule(lamp, shade, confidence=0.9)
    rule(lamp, candles, confidence=0.5)
    past_order(customer, shade, candles)
    assert names(queries.for_product(lamp, customer=customer)) == []
    assert names(queries.for_product(lamp)) == ["SHADE", "CANDLES"]  # a stranger sees both

    services.set_consumable(actor=None, category=candles.category, consumable=True)
    assert names(queries.for_product(lamp, customer=customer)) == ["CANDLES"]
    services.set_consumable(actor=None, product=shade, consumable=True)
    assert names(queries.for_product(lamp, customer=customer)) == ["SHADE", "CANDLES"]
    services.set_consumable(actor=None, category=candles.category, consumable=False)
    assert Consumable.objects.count() == 1
    assert names(queries.for_product(lamp, customer=customer)) == ["SHADE"]


def test_credit_notes_do_not_count_as_bought():
    customer = CustomerFactory()
    lamp, shade = stocked_product(name="LAMP"), stocked_product(name="SHADE")
    rule(lamp, shade)
    past_order(customer, shade, kind=OrderKind.CREDIT_NOTE)
    assert names(queries.for_product(lamp, customer=customer)) == ["SHADE"]


def test_premium_knowledge_rule_only_for_top_of_category():
    laptops, cameras = CategoryFactory(name="Laptops"), CategoryFactory(name="Cameras")
    cheap = [stocked_product(category=laptops, price=f"{300 + i}.00") for i in range(4)]
    premium = stocked_product(category=laptops, price="2000.00", name="PRO LAPTOP")
    camera = stocked_product(category=cameras, name="MIRRORLESS CAMERA")
    services.add_knowledge_rule(
        actor=None, source=laptops, target=cameras, price_tier=PriceTier.PREMIUM
    )
    assert queries.is_premium(premium) and not queries.is_premium(cheap[-1])
    [s] = queries.for_product(premium)
    assert (s.product, s.source) == (camera, "knowledge")
    assert s.reason == "Because you chose a premium “PRO LAPTOP”."
    assert queries.for_product(cheap[0]) == []


def test_segment_rule_applies_only_to_members_of_that_segment():
    baby, food = CategoryFactory(name="Baby"), CategoryFactory(name="Baby food")
    bottle = stocked_product(category=baby, name="BOTTLE")
    stocked_product(category=food, name="PUREE")
    parents = save_segment(actor=None, name="New parents", kind=SegmentKind.STATIC)
    services.add_knowledge_rule(actor=None, source=baby, target=food, segment=parents)
    outsider, member = CustomerFactory(), CustomerFactory()
    add_static_members(actor=None, segment=parents, customers=[member])

    assert queries.for_product(bottle, customer=outsider) == []
    [s] = queries.for_product(bottle, customer=member)
    assert s.product.name == "PUREE"
    assert s.reason == "Popular with customers like you who buy “BOTTLE”."


def test_category_rules_fill_in_with_reason():
    lamps, candles = CategoryFactory(name="Lamps"), CategoryFactory(name="Candles")
    lamp = stocked_product(category=lamps)
    candle = stocked_product(category=candles, name="TEALIGHTS")
    CategoryRule.objects.create(
        antecedent=lamps,
        consequent=candles,
        pair_count=3,
        support=0.3,
        confidence=0.6,
        lift=2.0,
        rank=1,
    )
    [s] = queries.for_product(lamp)
    assert (s.product, s.reason) == (candle, "Often bought with Lamps.")


def test_returning_customer_block_uses_history():
    customer = CustomerFactory()
    lamp, candles = stocked_product(name="LAMP"), stocked_product(name="CANDLES")
    rule(lamp, candles)
    assert queries.for_returning_customer(customer) == []
    past_order(customer, lamp)
    assert names(queries.for_returning_customer(customer)) == ["CANDLES"]
    assert queries.for_returning_customer(None) == []


def test_order_suggestions_skip_what_the_order_holds():
    customer = CustomerFactory()
    lamp, shade, candles = (stocked_product(name=n) for n in ("LAMP", "SHADE", "CANDLES"))
    rule(lamp, shade)
    rule(lamp, candles)
    order = past_order(customer, lamp, shade)
    assert names(queries.for_order(order)) == ["CANDLES"]


def test_knowledge_rule_to_same_category_is_refused():
    cat = CategoryFactory()
    with pytest.raises(services.RecommendationError):
        services.add_knowledge_rule(actor=None, source=cat, target=cat)
