"""RFM scores and groups, checked by hand on hand-built orders and on the Online Retail slice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from rapport.customers.models import Customer
from rapport.customers.tests.factories import CustomerFactory
from rapport.orders.models import Order, OrderKind
from rapport.segments.models import RfmScore
from rapport.segments.rfm import group_for
from rapport.segments.tests.helpers import order

pytestmark = pytest.mark.django_db
SLICE = Path(__file__).resolve().parents[3] / "tests" / "data" / "online_retail_slice.csv.gz"


def scores() -> dict[str, tuple[int, int, int, str, Decimal, int]]:
    return {
        s.customer.name: (
            s.recency,
            s.frequency_score,
            s.monetary_score,
            s.group,
            s.monetary,
            s.frequency,
        )
        for s in RfmScore.objects.select_related("customer")
    }


def test_quintiles_by_hand():
    # Five customers: a = oldest, one small order ... e = most recent, most orders, biggest spend.
    people = {n: CustomerFactory(name=n) for n in "abcde"}
    order(people["a"], 10, days_ago=300)
    for i in range(2):
        order(people["b"], 20, days_ago=200 + i)
    for i in range(3):
        order(people["c"], 30, days_ago=100 + i)
    for i in range(4):
        order(people["d"], 40, days_ago=50 + i)
    for i in range(5):
        order(people["e"], 50, days_ago=1 + i)
    # A credit note takes e's spend from 250 to 150, below d's 160: e's monetary score drops.
    order(people["e"], -100, kind=OrderKind.CREDIT_NOTE)
    # Retired customers are never scored; customers without orders neither.
    gone = CustomerFactory(name="gone", retired_at=timezone.now())
    order(gone, 999)
    CustomerFactory(name="nobody")

    call_command("compute_rfm")

    assert scores() == {
        "a": (1, 1, 1, "lost", Decimal("10.00"), 1),
        "b": (2, 2, 2, "hibernating", Decimal("40.00"), 2),
        "c": (3, 3, 3, "need_attention", Decimal("90.00"), 3),
        "d": (4, 4, 5, "loyal", Decimal("160.00"), 4),
        "e": (5, 5, 4, "champions", Decimal("150.00"), 5),
    }


def test_ties_share_a_score():
    # Ten customers with one order each on different days, two with three orders:
    # every one-order customer gets the same frequency score.
    ones = [CustomerFactory(name=f"one{i}") for i in range(10)]
    for i, c in enumerate(ones):
        order(c, 10, days_ago=10 + i)
    for name in ("x", "y"):
        c = CustomerFactory(name=name)
        for i in range(3):
            order(c, 10, days_ago=1 + i)
    call_command("compute_rfm", "--no-segments")
    freq = {s.customer.name: s.frequency_score for s in RfmScore.objects.select_related("customer")}
    assert {freq[f"one{i}"] for i in range(10)} == {1}
    # rank 11 of 12 → 1 + 5*10//12 = 5
    assert freq["x"] == freq["y"] == 5


def test_recompute_replaces_rows():
    c = CustomerFactory(name="c")
    order(c, 10, days_ago=5)
    call_command("compute_rfm")
    c.retired_at = timezone.now()
    c.save(update_fields=["retired_at"])
    call_command("compute_rfm")
    assert RfmScore.objects.count() == 0


@pytest.mark.parametrize(
    ("r", "f", "m", "group"),
    [
        (5, 5, 5, "champions"),
        (5, 4, 3, "champions"),
        (4, 5, 5, "loyal"),
        (3, 4, 4, "loyal"),
        (5, 2, 3, "potential_loyalists"),
        (5, 1, 1, "new"),
        (4, 1, 1, "promising"),
        (3, 3, 3, "need_attention"),
        (3, 1, 2, "about_to_sleep"),
        (2, 5, 5, "cant_lose"),
        (1, 3, 4, "at_risk"),
        (1, 1, 1, "lost"),
        (2, 1, 2, "hibernating"),
        (1, 2, 2, "hibernating"),
    ],
)
def test_group_mapping_in_python_matches_sql(r, f, m, group):
    assert group_for(r, f, m) == group


def test_online_retail_slice_through_the_importer():
    call_command("import_online_retail", str(SLICE), stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("compute_rfm", "--no-segments")
    customers = Customer.objects.active().filter(orders__kind=OrderKind.ORDER).distinct()
    assert RfmScore.objects.count() == customers.count() > 0
    # Check three customers by hand: the SQL aggregate equals the sum of their invoices.
    for score in RfmScore.objects.order_by("-monetary")[:3]:
        orders = Order.objects.filter(customer_id=score.customer_id)
        net = sum(o.total for o in orders if o.kind == OrderKind.ORDER) + sum(
            -abs(o.total) for o in orders if o.kind == OrderKind.CREDIT_NOTE
        )
        assert score.monetary == net
        assert score.frequency == orders.filter(kind=OrderKind.ORDER).count()
        assert score.group == group_for(score.recency, score.frequency_score, score.monetary_score)
    top = RfmScore.objects.order_by("-monetary").first()
    assert top is not None and top.monetary_score == 5
