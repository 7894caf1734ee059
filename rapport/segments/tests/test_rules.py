"""Rule segments select exactly the right active customers; bad rules get clear errors."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from rapport.catalog.models import Category, Product
from rapport.customers.models import Customer, Interest, Occupation
from rapport.customers.tests.factories import CustomerFactory
from rapport.orders.models import OrderKind, OrderStatus
from rapport.segments.models import RfmScore
from rapport.segments.rules import RuleError, compile_rule, validate_rule
from rapport.segments.services import compute_rfm, save_segment
from rapport.segments.tests.helpers import order

pytestmark = pytest.mark.django_db


def members(rule: dict) -> set[str]:
    return set(Customer.objects.active().filter(compile_rule(rule)).values_list("name", flat=True))


def born(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


@pytest.fixture
def crowd() -> dict[str, Customer]:
    student = Occupation.objects.get(slug="student")
    engineer = Occupation.objects.get_or_create(slug="engineer", defaults={"name": "Engineer"})[0]
    books = Interest.objects.get_or_create(slug="books", defaults={"name": "Books"})[0]
    return {
        # 18 today: in 18-24
        "sam": CustomerFactory(name="sam", occupation=student, birthday=born(18), country="UK"),
        # one day short of 25: still 24
        "tia": CustomerFactory(
            name="tia", occupation=student, birthday=born(25, -1), gender="female"
        ),
        # 25 today: in 25-34
        "eve": CustomerFactory(name="eve", occupation=engineer, birthday=born(25), country="uk"),
        "old": CustomerFactory(name="old", birthday=born(70), gender="female"),
        "nob": CustomerFactory(name="nob", country="France"),
        "ret": CustomerFactory(
            name="ret", occupation=student, birthday=born(20), retired_at=timezone.now()
        ),
        "_books": books,  # type: ignore[dict-item]
    }


def test_occupation_and_age_bands(crowd):
    assert members({"field": "occupation", "op": "in", "value": ["student"]}) == {"sam", "tia"}
    assert members({"field": "age_band", "op": "in", "value": ["18-24"]}) == {"sam", "tia"}
    assert members({"field": "age_band", "op": "in", "value": ["25-34", "65+"]}) == {"eve", "old"}


def test_and_or_not(crowd):
    rule = {
        "any": [
            {
                "all": [
                    {"field": "occupation", "op": "in", "value": ["student"]},
                    {"not": {"field": "gender", "op": "in", "value": ["female"]}},
                ]
            },
            {"field": "country", "op": "in", "value": ["UK"]},
        ]
    }
    # sam (student, not female); eve (country "uk", case-insensitive); never the retired one
    assert members(rule) == {"sam", "eve"}
    assert members({"not": {"field": "country", "op": "in", "value": ["uk", "france"]}}) == {
        "tia",
        "old",
    }


def test_interests(crowd):
    crowd["tia"].interests.add(crowd["_books"])
    assert members({"field": "interests", "op": "any", "value": ["books"]}) == {"tia"}


def test_behaviour_spend_count_last_purchase_and_categories(crowd):
    party = Category.objects.create(name="Party", slug="party")
    balloons = Category.objects.create(name="Balloons", slug="balloons", parent=party)
    balloon = Product.objects.create(
        sku="B1", name="Balloon", slug="balloon", category=balloons, price=1
    )
    order(crowd["sam"], 100, days_ago=3, product=balloon)
    order(crowd["sam"], 50, days_ago=200)
    order(crowd["sam"], -30, kind=OrderKind.CREDIT_NOTE)
    order(crowd["eve"], 500, days_ago=100)
    order(crowd["eve"], 900, days_ago=2, status=OrderStatus.CANCELLED)

    # sam 100 + 50 - 30 = 120; eve 500 (the cancelled order does not count)
    assert members({"field": "total_spent", "op": "gte", "value": 120}) == {"sam", "eve"}
    assert members({"field": "total_spent", "op": "gt", "value": 120}) == {"eve"}
    # "at most 200" includes customers who never ordered
    assert members({"field": "total_spent", "op": "lte", "value": 200}) == {
        "sam",
        "tia",
        "old",
        "nob",
    }
    assert members({"field": "order_count", "op": "gte", "value": 2}) == {"sam"}
    assert members({"field": "order_count", "op": "eq", "value": 0}) == {"tia", "old", "nob"}
    assert members({"field": "last_purchase_within_days", "op": "eq", "value": 30}) == {"sam"}
    assert members({"field": "categories_bought", "op": "any", "value": ["party"]}) == {"sam"}


def test_categories_bought_ignores_cancelled_orders_and_credit_notes(crowd):
    party = Category.objects.create(name="Party", slug="party")
    balloon = Product.objects.create(
        sku="B1", name="Balloon", slug="balloon", category=party, price=1
    )
    order(crowd["eve"], 9, days_ago=2, status=OrderStatus.CANCELLED, product=balloon)
    order(crowd["tia"], -9, kind=OrderKind.CREDIT_NOTE, product=balloon)
    assert members({"field": "categories_bought", "op": "any", "value": ["party"]}) == set()
    order(crowd["tia"], 9, days_ago=1, product=balloon)
    assert members({"field": "categories_bought", "op": "any", "value": ["party"]}) == {"tia"}


def test_rfm_group_rule(crowd):
    for i, name in enumerate(["sam", "tia", "eve", "old", "nob"]):
        for j in range(i + 1):  # later names: more recent, more orders, more spend
            order(crowd[name], 10 * (i + 1), days_ago=50 - 10 * i + j)
    compute_rfm()
    champions = set(
        RfmScore.objects.filter(group="champions").values_list("customer__name", flat=True)
    )
    assert champions == {"nob"}
    assert members({"field": "rfm_group", "op": "in", "value": ["champions"]}) == {"nob"}
    assert members({"field": "recency_score", "op": "lte", "value": 2}) == {"sam", "tia"}


def test_segment_membership_is_materialised_and_skips_retired(crowd, people):
    segment = save_segment(
        actor=people["manager"],
        name="Students",
        rule={"field": "occupation", "op": "in", "value": ["student"]},
    )
    assert set(segment.memberships.values_list("customer__name", flat=True)) == {"sam", "tia"}
    assert segment.member_count == 2


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ([], "The rule must be a JSON object"),
        ({"all": []}, "rule.all: expected a non-empty list of rules."),
        (
            {"all": [{"field": "shoe_size", "op": "in", "value": ["9"]}]},
            "rule.all[0]: unknown field 'shoe_size'",
        ),
        (
            {"field": "age_band", "op": "gte", "value": ["18-24"]},
            "rule: age_band accepts the operators in, not 'gte'.",
        ),
        ({"field": "age_band", "op": "in", "value": ["12-13"]}, "rule: unknown age band: 12-13."),
        (
            {"not": {"field": "recency_score", "op": "gte", "value": 6}},
            "rule.not: recency_score needs a whole number from 1 to 5.",
        ),
        (
            {"any": [{"field": "total_spent", "op": "gte", "value": "lots"}]},
            "rule.any[0]: total_spent needs a number.",
        ),
        (
            {"field": "occupation", "op": "in"},
            'rule: a condition needs exactly "field", "op" and "value"',
        ),
        (
            {"field": "occupation", "op": "in", "value": ["astronaut"]},
            "rule: unknown occupation: astronaut.",
        ),
    ],
)
def test_rule_validation_errors_are_clear(rule, message):
    with pytest.raises(RuleError) as info:
        validate_rule(rule)
    assert str(info.value).startswith(message)


def test_bad_rule_saves_nothing(people):
    with pytest.raises(RuleError):
        save_segment(
            actor=people["manager"], name="Bad", rule={"field": "nope", "op": "in", "value": []}
        )
    from rapport.segments.models import Segment

    assert not Segment.objects.exists()
