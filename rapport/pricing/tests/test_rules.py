"""The price rule without a database: tiers, overlapping lists, rounding, property tests."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.pricing.rules import Rule, resolve, tier_breaks

D = Decimal


def test_the_lowest_reached_tier_wins_at_its_boundaries():
    rules = [
        Rule(1, 0, 1, percent_off=D("5")),
        Rule(1, 0, 10, fixed_price=D("8.00")),
        Rule(1, 0, 100, fixed_price=D("6.50")),
    ]
    assert resolve(D("10.00"), 1, rules).unit_price == D("9.50")
    assert resolve(D("10.00"), 9, rules).unit_price == D("9.50")
    assert resolve(D("10.00"), 10, rules).unit_price == D("8.00")
    assert resolve(D("10.00"), 99, rules).unit_price == D("8.00")
    assert resolve(D("10.00"), 100, rules).unit_price == D("6.50")
    assert tier_breaks(D("10.00"), rules) == [(10, D("8.00")), (100, D("6.50"))]


def test_overlapping_lists_give_the_best_price_and_priority_breaks_ties():
    tier_list = Rule(1, 0, 1, percent_off=D("10"))  # VIP tier: 10 % off
    own_list = Rule(2, 5, 1, fixed_price=D("9.00"))  # the customer's own contract
    segment_list = Rule(3, 9, 1, fixed_price=D("9.00"))  # a segment's promotion
    price = resolve(D("12.00"), 1, [tier_list, own_list, segment_list])
    assert (price.unit_price, price.price_list_id) == (D("9.00"), 3)
    assert resolve(D("8.00"), 1, [tier_list, own_list]).price_list_id == 1  # 7.20 < 9.00


def test_a_list_never_raises_the_price_and_no_list_is_the_list_price():
    price = resolve(D("5.00"), 3, [Rule(1, 0, 1, fixed_price=D("7.00"))])
    assert (price.unit_price, price.price_list_id, price.is_reduced) == (D("5.00"), None, False)
    assert resolve(D("5.00"), 3, []).unit_price == D("5.00")


def test_percentages_round_half_up_to_the_cent():
    assert resolve(D("0.85"), 1, [Rule(1, 0, 1, percent_off=D("15"))]).unit_price == D("0.72")
    assert resolve(D("9.99"), 1, [Rule(1, 0, 1, percent_off=D("100"))]).unit_price == D("0.00")


money = st.decimals(min_value=D("0"), max_value=D("10000"), places=2)
percent = st.decimals(min_value=D("0"), max_value=D("100"), places=2)
ids, priorities, quantities = st.integers(1, 5), st.integers(0, 3), st.integers(1, 200)
rule = st.one_of(
    st.builds(Rule, ids, priorities, quantities, fixed_price=money),
    st.builds(Rule, ids, priorities, quantities, percent_off=percent),
)
rules_strategy = st.lists(rule, max_size=8)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(list_price=money, rules=rules_strategy, quantity=st.integers(1, 500))
def test_never_negative_never_above_list_price(list_price, rules, quantity):
    price = resolve(list_price, quantity, rules)
    assert D("0.00") <= price.unit_price <= list_price
    assert price.unit_price == price.unit_price.quantize(D("0.01"))


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(list_price=money, rules=rules_strategy, quantity=st.integers(1, 500))
def test_buying_more_never_raises_the_unit_price(list_price, rules, quantity):
    assert (
        resolve(list_price, quantity + 1, rules).unit_price
        <= resolve(list_price, quantity, rules).unit_price
    )
