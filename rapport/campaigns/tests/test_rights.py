"""Data rights and campaign data: the export holds a customer's occasions, topic opt-outs and
campaign rows; erasure removes occasions and account opt-outs and leaves every campaign's
figures as they were."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from rapport.campaigns import reminders
from rapport.campaigns.models import AudienceKind, Occasion, Recipient, Topic, TopicOptOut
from rapport.campaigns.occasion_services import declare_occasion, refresh_occasions
from rapport.campaigns.queries import campaign_report
from rapport.campaigns.services import (
    save_campaign,
    send_campaign,
    start_campaign,
    unsubscribe_topic,
)
from rapport.campaigns.tests.factories import gift_buyer, order_on
from rapport.customers.services import erase_customer, export_customer_data
from rapport.customers.tests.factories import contactable

pytestmark = pytest.mark.django_db

SECRET = "Grandma Rosalind visits"


@pytest.fixture
def ann(settings):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0
    settings.RAPPORT_CAMPAIGN_DAILY_CAP = 5
    today = timezone.localdate()
    ann, _gift = gift_buyer(today, due_in=2, email="ann@example.com", name="Ann")
    refresh_occasions(today=today)
    declare_occasion(customer=ann, actor=None, name=SECRET, date=today.replace(day=1))
    always_on = reminders.occasion_campaign()
    always_on.control_percent = 0
    always_on.save(update_fields=["control_percent"])
    assert reminders.send_due_reminders(today=today) == 1
    return ann


@pytest.fixture
def campaign(ann):
    bob = contactable(email="bob@example.com")
    campaign = save_campaign(
        actor=None,
        name="Spring bulbs",
        audience_kind=AudienceKind.LIST,
        audience_list=f"{ann.email}\n{bob.email}",
        variants=[("Bulbs", "Plant now.")],
        control_percent=0,
        personal_products=False,
    )
    send_campaign(campaign=start_campaign(campaign=campaign, actor=None))
    unsubscribe_topic(customer=ann, topic=Topic.OFFERS, actor=None, campaign=campaign)
    unsubscribe_topic(customer=ann, topic=Topic.OCCASIONS, actor=None)  # from her account page
    order_on(ann, timezone.now() + datetime.timedelta(hours=1), total="30.00")
    return campaign


def test_export_holds_occasions_opt_outs_and_campaign_rows(ann, campaign):
    data = export_customer_data(customer=ann, actor=None)

    assert {o["kind"] for o in data["occasions"]} == {"mined", "declared"}
    assert SECRET in json.dumps(data["occasions"])
    assert {(t["topic"], t["campaign"]) for t in data["topic_opt_outs"]} == {
        ("offers", "Spring bulbs"),
        ("occasions", None),
    }
    names = sorted(r["campaign"] for r in data["campaigns"])
    assert names == sorted([reminders.ALWAYS_ON_NAME, "Spring bulbs"])
    assert all(r["mailed"] and r["control_group"] is False for r in data["campaigns"])


def test_erase_removes_occasions_and_keeps_every_campaigns_figures(ann, campaign):
    always_on = reminders.occasion_campaign()
    before = campaign_report(campaign), campaign_report(always_on)
    assert before[0].unsubscribes == 1 and before[0].treated_converted == 1

    erase_customer(customer=ann, actor=None, reason="GDPR request 42")

    assert not Occasion.objects.filter(customer=ann).exists()
    assert not Occasion.objects.filter(name=SECRET).exists()
    assert list(TopicOptOut.objects.filter(customer=ann).values_list("topic", flat=True)) == [
        Topic.OFFERS  # the one made from the campaign's mail: counted in its report
    ]
    rows = Recipient.objects.filter(customer=ann)
    assert rows.count() == 2
    assert not rows.filter(key__contains="occasion").exists()  # the date is out of the key
    assert not rows.filter(occasion__isnull=False).exists()
    after = campaign_report(campaign), campaign_report(always_on)
    for old, new in zip(before, after, strict=True):
        assert (old.recipients, old.mailed, old.treated, old.treated_converted) == (
            new.recipients,
            new.mailed,
            new.treated,
            new.treated_converted,
        )
        assert old.unsubscribes == new.unsubscribes
    data = export_customer_data(customer=ann, actor=None)
    assert data["occasions"] == [] and SECRET not in json.dumps(data)


def test_merge_moves_occasions_opt_outs_and_campaign_rows_to_the_survivor(ann, campaign):
    from rapport.customers.services import merge_customers

    survivor = contactable(email="ann.new@example.com")
    unsubscribe_topic(customer=survivor, topic=Topic.OFFERS, actor=None)  # both stopped offers
    reached = Recipient.objects.filter(customer=ann).count()

    merge_customers(survivor=survivor, loser=ann, actor=None)

    assert Occasion.objects.filter(customer=survivor).count() == 2
    assert not Occasion.objects.filter(customer=ann).exists()
    assert set(TopicOptOut.objects.filter(customer=survivor).values_list("topic", flat=True)) == {
        Topic.OFFERS,
        Topic.OCCASIONS,  # the loser's opt-out now protects the survivor
    }
    assert Recipient.objects.filter(customer=survivor).count() == reached
    # an occasions campaign to the survivor: skipped, the loser had stopped that topic
    again = save_campaign(
        actor=None,
        name="Again",
        topic=Topic.OCCASIONS,
        audience_kind=AudienceKind.LIST,
        audience_list=survivor.email,
        variants=[("Hi", "Hi.")],
        control_percent=0,
        personal_products=False,
    )
    send_campaign(campaign=start_campaign(campaign=again, actor=None))
    assert Recipient.objects.get(campaign=again).skipped_reason  # opted out of occasions
