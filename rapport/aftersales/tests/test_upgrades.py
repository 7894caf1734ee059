"""Upgrade notices reach every past buyer exactly once, whatever happens to the task."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.aftersales import upgrades
from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.models import UpgradeDelivery
from rapport.aftersales.tasks import send_upgrade_notice_task
from rapport.aftersales.tests.factories import reachable
from rapport.catalog.tests.factories import ProductFactory
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.messaging.models import Message
from rapport.orders.models import Order, OrderLine, OrderStatus

pytestmark = pytest.mark.django_db


def order_of(customer, product, n, status=OrderStatus.DELIVERED):
    order = Order.objects.create(
        number=f"U{customer.pk}-{n}",
        customer=customer,
        placed_at=timezone.now(),
        status=status,
        total=Decimal("10.00"),
    )
    OrderLine.objects.create(
        order=order,
        product=product,
        sku=product.sku,
        name=product.name,
        quantity=1,
        unit_price=Decimal("10.00"),
        line_total=Decimal("10.00"),
    )


@pytest.fixture
def world(people):
    old, other = ProductFactory(), ProductFactory()
    buyers = []
    for i in range(7):
        c = reachable(
            Customer.objects.create(email=f"buyer{i}@example.com", name=f"Buyer {i}"),
            marketing=True,
        )
        order_of(c, old, 1)
        buyers.append(c)
    order_of(buyers[0], old, 2)  # bought twice: still one notice
    order_of(buyers[1], old, 3, status=OrderStatus.CANCELLED)  # one cancelled, one kept
    opted_out = reachable(Customer.objects.create(email="quiet@example.com", name="Quiet"))
    order_of(opted_out, old, 1)  # no marketing consent
    cancelled = reachable(Customer.objects.create(email="gone@example.com"), marketing=True)
    order_of(cancelled, old, 1, status=OrderStatus.CANCELLED)
    stranger = reachable(Customer.objects.create(email="x@example.com"), marketing=True)
    order_of(stranger, other, 1)
    notice = upgrades.create_notice(
        product=old, title="Version 2 is out", body="Flash it.", actor=people["employee"]
    )
    notice.published_at = timezone.now()
    notice.save()
    return {
        "notice": notice,
        "buyers": buyers,
        "opted_out": opted_out,
        "cancelled": cancelled,
        "stranger": stranger,
    }


def per_customer():
    rows = Message.objects.filter(template="upgrade_notice").values_list("customer_id", flat=True)
    counts: dict[int, int] = {}
    for pk in rows:
        counts[pk] = counts.get(pk, 0) + 1
    return counts


def assert_exactly_once(world):
    assert per_customer() == {c.pk: 1 for c in world["buyers"]}
    assert UpgradeDelivery.objects.filter(notice=world["notice"]).count() == 8
    skipped = UpgradeDelivery.objects.get(customer=world["opted_out"])
    assert skipped.message is None and "consent" in skipped.skipped_reason
    for c in world["buyers"]:
        assert AuditEntry.objects.filter(customer=c, action="upgrade.sent").count() == 1


def test_every_past_buyer_once_even_when_run_twice(world):
    assert send_upgrade_notice_task.apply(args=[world["notice"].pk]).get() == 8
    assert send_upgrade_notice_task.apply(args=[world["notice"].pk]).get() == 0
    assert_exactly_once(world)
    world["notice"].refresh_from_db()
    assert world["notice"].finished_at is not None


def test_crash_half_way_then_rerun_sends_each_buyer_once(world, monkeypatch):
    real = upgrades._queue
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("SMTP relay exploded")
        return real(**kw)

    monkeypatch.setattr(upgrades, "_queue", flaky)
    with pytest.raises(RuntimeError):
        upgrades.send_notice(notice=world["notice"], size=2)
    assert sum(per_customer().values()) == 3
    assert UpgradeDelivery.objects.count() == 3  # the crashed one left nothing behind
    monkeypatch.setattr(upgrades, "_queue", real)
    send_upgrade_notice_task.apply(args=[world["notice"].pk]).get()
    assert_exactly_once(world)


def test_unpublished_notice_is_not_sent(world):
    world["notice"].published_at = None
    with pytest.raises(AftersalesError):
        upgrades.send_notice(notice=world["notice"])
    assert UpgradeDelivery.objects.count() == 0


def test_publish_sends_after_commit(people, world, django_capture_on_commit_callbacks):
    world["notice"].published_at = None
    world["notice"].save()
    with django_capture_on_commit_callbacks(execute=True):
        upgrades.publish_notice(notice=world["notice"], actor=people["employee"])
    assert_exactly_once(world)


def test_the_notice_list_counts_mailed_and_not_mailed_buyers_with_reasons(world, clients):
    silent = Customer.objects.create(email="", name="No address")
    order_of(silent, world["notice"].product, 9)

    send_upgrade_notice_task.apply(args=[world["notice"].pk]).get()
    page = clients["manager"].get(reverse("portal:upgrades")).content.decode()

    assert '<td data-testid="sent">7</td>' in page
    assert '<td data-testid="skipped">2<ul class="reasons">' in page
    assert "1 · no consent to marketing mail" in page
    assert "1 · no email address" in page
