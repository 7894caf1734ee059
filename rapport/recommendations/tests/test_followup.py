"""The cross-sell follow-up email goes through the outbox as marketing mail, over real SMTP."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from rapport.checkout.tests.factories import stocked_product
from rapport.customers.tests.factories import CustomerFactory, contactable, with_email
from rapport.messaging.models import Message
from rapport.recommendations.models import FollowUp
from rapport.recommendations.services import send_cross_sell_followups
from rapport.recommendations.tests.helpers import past_order, rule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def awake(settings):
    # No quiet hours: the message leaves at once whatever the time of the test run.
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0


def test_follow_up_arrives_with_suggestions_and_reasons_once(smtp_server, awake):
    ann = contactable(email="ann@example.com", name="Ann")
    lamp, candles = stocked_product(name="BRASS LAMP"), stocked_product(name="TEALIGHT CANDLES")
    rule(lamp, candles)
    four_days_ago = timezone.now() - datetime.timedelta(days=4)
    order = past_order(ann, lamp, placed_at=four_days_ago)
    past_order(ann, lamp)  # too recent: its turn comes later

    assert send_cross_sell_followups() == {"queued": 1}

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ann@example.com"
    assert mail["Subject"] == f"Goes well with your order {order.number}"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "TEALIGHT CANDLES" in body
    assert "Customers who bought “BRASS LAMP” often add this too." in body
    assert "BRASS LAMP (" not in body  # the product bought is not offered again
    message = Message.objects.get()
    assert (message.purpose, message.template) == ("marketing", "cross_sell")
    assert FollowUp.objects.get(order=order).outcome == "queued"
    # Once per order.
    call_command("send_cross_sell_followups")
    assert Message.objects.count() == 1


def test_no_marketing_consent_means_no_mail(smtp_server, awake):
    bob = CustomerFactory(email="bob@example.com")
    with_email(bob, marketing=False)
    lamp, candles = stocked_product(), stocked_product()
    rule(lamp, candles)
    order = past_order(bob, lamp, placed_at=timezone.now() - datetime.timedelta(days=4))
    assert send_cross_sell_followups() == {"refused": 1}
    assert Message.objects.count() == 0
    assert FollowUp.objects.get(order=order).outcome == "refused"
    assert smtp_server.messages == []


def test_nothing_to_suggest_sends_nothing(smtp_server, awake):
    ann = contactable(email="ann@example.com")
    order = past_order(
        ann, stocked_product(), placed_at=timezone.now() - datetime.timedelta(days=4)
    )
    assert send_cross_sell_followups() == {"nothing_to_suggest": 1}
    assert Message.objects.count() == 0
    assert FollowUp.objects.get(order=order).outcome == "nothing_to_suggest"
