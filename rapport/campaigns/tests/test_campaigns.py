"""Campaigns: exactly-once batched sends, the control group, the daily cap across campaigns and
occasion reminders, attribution and uplift arithmetic, preview."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.campaigns import reminders, sending
from rapport.campaigns.models import AudienceKind, CampaignStatus, Recipient, Topic
from rapport.campaigns.occasion_services import refresh_occasions
from rapport.campaigns.queries import Report, campaign_report
from rapport.campaigns.services import (
    CampaignError,
    preview,
    save_campaign,
    send_campaign,
    start_campaign,
    unsubscribe_topic,
)
from rapport.campaigns.tasks import send_campaign_task
from rapport.campaigns.tests.factories import gift_buyer, order_on
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.tests.factories import contactable
from rapport.messaging.models import Message, MessageStatus
from rapport.segments.models import Segment, SegmentMembership


@pytest.fixture(autouse=True)
def awake(settings):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0


def campaign_for(emails, *, control=0, name="Spring", **kw):
    return save_campaign(
        actor=None,
        name=name,
        audience_kind=AudienceKind.LIST,
        audience_list="\n".join(emails),
        variants=kw.pop("variants", [("Hello {name}", "Spring is here, {name}.")]),
        control_percent=control,
        personal_products=False,
        **kw,
    )


def started(campaign):
    return start_campaign(campaign=campaign, actor=None)


@pytest.mark.django_db
def test_a_campaign_reaches_its_audience_once_even_after_a_crash(monkeypatch):
    people = [contactable(email=f"p{i}@example.com") for i in range(30)]
    campaign = started(campaign_for([p.email for p in people], control=20))
    real = sending.queue_messages
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(**kw)

    monkeypatch.setattr(sending, "queue_messages", flaky)
    with pytest.raises(RuntimeError):
        send_campaign(campaign=campaign, size=4)
    # two batches went out whole; the third left nothing behind
    assert Recipient.objects.filter(campaign=campaign).count() == 8
    assert Message.objects.count() == Recipient.objects.filter(message__isnull=False).count()
    monkeypatch.setattr(sending, "queue_messages", real)
    assert send_campaign_task.apply(args=[campaign.pk]).get() > 0
    assert send_campaign_task.apply(args=[campaign.pk]).get() == 0  # done: nothing twice

    rows = Recipient.objects.filter(campaign=campaign)
    assert rows.count() == 30
    control = set(rows.filter(is_control=True).values_list("customer_id", flat=True))
    mailed = list(Message.objects.values_list("customer_id", flat=True))
    assert control, "20 % of 30 should give a control group"
    assert len(mailed) == len(set(mailed)) == 30 - len(control)
    assert control.isdisjoint(mailed)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    # the control group is a stable property of (campaign, customer), so a lost row changes nothing
    assert all(sending.is_control(campaign, pk) for pk in control)


@pytest.mark.django_db
def test_segment_audience_and_unsubscribed_topic():
    segment = Segment.objects.create(name="Gardeners")
    inside = [contactable() for _ in range(3)]
    outside = contactable()
    for c in inside:
        SegmentMembership.objects.create(segment=segment, customer=c)
    unsubscribe_topic(customer=inside[0], topic=Topic.OFFERS, actor=None)
    campaign = save_campaign(
        actor=None,
        name="Bulbs",
        audience_kind=AudienceKind.SEGMENT,
        segment=segment,
        variants=[("Bulbs", "Plant now.")],
        control_percent=0,
        personal_products=False,
    )
    send_campaign(campaign=started(campaign))
    assert set(Message.objects.values_list("customer_id", flat=True)) == {
        inside[1].pk,
        inside[2].pk,
    }
    assert not Recipient.objects.filter(customer=outside).exists()
    assert Recipient.objects.get(customer=inside[0]).skipped_reason


@pytest.mark.django_db
def test_ab_versions_split_and_name_is_filled_in():
    people = [contactable(email=f"ab{i}@example.com", name=f"N{i}") for i in range(40)]
    campaign = campaign_for(
        [p.email for p in people], variants=[("A for {name}", "a"), ("B for {name}", "b")]
    )
    send_campaign(campaign=started(campaign))
    subjects = list(Message.objects.values_list("subject", "customer__name"))
    assert {s.split(" ")[0] for s, _ in subjects} == {"A", "B"}
    assert all(s.endswith(f"for {name}") for s, name in subjects)


@pytest.mark.django_db
def test_the_daily_cap_holds_for_two_campaigns_and_an_occasion_mail_the_same_day():
    today = timezone.localdate()
    ann, _gift = gift_buyer(today, due_in=2, email="ann@example.com")
    refresh_occasions(today=today)
    always_on = reminders.occasion_campaign()
    always_on.control_percent = 0
    always_on.save()
    first = started(campaign_for(["ann@example.com"], name="One"))
    second = started(campaign_for(["ann@example.com"], name="Two"))

    send_campaign(campaign=first)
    send_campaign(campaign=second)
    assert reminders.send_due_reminders(today=today) == 0  # capped: tried again tomorrow

    assert Message.objects.filter(customer=ann).count() == 1
    assert Recipient.objects.get(campaign=second).skipped_reason == sending.CAPPED
    assert not Recipient.objects.filter(campaign=always_on).exists()
    # the next day the reminder goes (the earlier mail is yesterday's now)
    Recipient.objects.update(created_at=timezone.now() - datetime.timedelta(days=1))
    assert reminders.send_due_reminders(today=today) == 1
    assert Message.objects.filter(customer=ann).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_daily_cap_holds_under_concurrent_senders():
    skip_unless_postgres()
    today = timezone.localdate()
    ann, _gift = gift_buyer(today, due_in=2, email="ann@example.com")
    refresh_occasions(today=today)
    always_on = reminders.occasion_campaign()
    always_on.control_percent = 0
    always_on.save()
    campaigns = [started(campaign_for(["ann@example.com"], name=f"C{i}")) for i in range(4)]

    def work(i):
        if i < 4:
            return send_campaign(campaign=campaigns[i])
        return reminders.send_due_reminders(today=today)

    results = run_concurrently(5, work)
    assert not [r for r in results if isinstance(r, Exception)]
    assert Message.objects.filter(customer=ann).count() == 1
    capped = Recipient.objects.filter(skipped_reason=sending.CAPPED).count()
    reached = Recipient.objects.filter(message__isnull=False).count()
    assert reached == 1
    assert capped in (3, 4)  # the reminder, when capped, writes no row (tomorrow's turn)


@pytest.mark.django_db
def test_attribution_to_the_last_clicked_message_on_a_hand_made_example(settings):
    settings.RAPPORT_CAMPAIGN_DAILY_CAP = 5
    settings.RAPPORT_CONTACT_BUDGET_PER_WEEK = 10
    x, y, z, w = (contactable(email=f"{n}@example.com") for n in "xyzw")
    a = started(campaign_for([c.email for c in (x, y, z, w)], name="A"))
    b = started(campaign_for([x.email], name="B"))
    send_campaign(campaign=a)
    send_campaign(campaign=b)
    t0 = timezone.now()
    hour = datetime.timedelta(hours=1)
    day = datetime.timedelta(days=1)

    def message(campaign, customer):
        return Recipient.objects.get(campaign=campaign, customer=customer).message

    Message.objects.update(status=MessageStatus.SENT, sent_at=t0)
    Message.objects.filter(pk=message(a, x).pk).update(clicked_at=t0 + hour)
    Message.objects.filter(pk=message(b, x).pk).update(clicked_at=t0 + 2 * hour)
    Message.objects.filter(pk=message(a, y).pk).update(clicked_at=t0 + hour, opened_at=t0)
    Message.objects.filter(pk=message(a, w).pk).update(opened_at=t0, status=MessageStatus.BOUNCED)
    order_on(x, t0 + 3 * hour, total="30.00")  # x clicked B last: B's
    order_on(y, t0 + day, total="20.00")  # y clicked A: A's
    order_on(y, t0 + 2 * day, total="5.00")  # A's too
    order_on(y, t0 + 9 * day, total="100.00")  # outside the 7-day window
    order_on(z, t0 + day, total="40.00")  # bought without clicking: converts, not attributed

    report_a = campaign_report(a)
    assert (report_a.mailed, report_a.sent, report_a.delivered, report_a.bounced) == (4, 4, 3, 1)
    assert (report_a.opened, report_a.clicked) == (2, 2)
    assert report_a.bought == 1
    assert report_a.revenue == Decimal("25.00")
    assert (report_a.treated, report_a.treated_converted) == (4, 3)
    assert report_a.control == 0 and report_a.uplift is None

    report_b = campaign_report(b)
    assert (report_b.mailed, report_b.clicked, report_b.bought) == (1, 1, 1)
    assert report_b.revenue == Decimal("30.00")


def test_uplift_and_its_interval_by_hand():
    report = Report(treated=100, treated_converted=30, control=50, control_converted=10)
    assert report.uplift == pytest.approx(0.1)
    half = 1.959964 * math.sqrt(0.3 * 0.7 / 100 + 0.2 * 0.8 / 50)
    low, high = report.uplift_interval
    assert low == pytest.approx(0.1 - half)
    assert high == pytest.approx(0.1 + half)


@pytest.mark.django_db
def test_preview_shows_one_recipients_mail_without_sending():
    ann = contactable(email="ann@example.com", name="Ann")
    campaign = campaign_for([ann.email])
    shown = preview(campaign=campaign, customer=ann)
    assert shown["subject"] == "Hello Ann"
    assert "Spring is here, Ann." in shown["text"]
    assert not Message.objects.exists()
    assert not Recipient.objects.exists()


@pytest.mark.django_db
def test_bad_campaigns_are_refused_and_nothing_is_written():
    with pytest.raises(CampaignError):
        campaign_for([], name="Empty list")
    with pytest.raises(CampaignError):
        campaign_for(["a@example.com"], variants=[("", "text")])
    with pytest.raises(CampaignError):
        campaign_for(["a@example.com"], control=80)
    from rapport.campaigns.models import Campaign

    assert not Campaign.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_one_campaigns_batches_and_reach_everyone_once(monkeypatch):
    """A worker holding one slice does not stop another from sending the rest (SKIP LOCKED);
    the campaign is finished by whoever completes the last slice, and nobody is reached twice."""
    import threading

    from rapport.campaigns.models import SendBatch
    from rapport.campaigns.services import plan_batches

    skip_unless_postgres()
    people = [contactable(email=f"w{i}@example.com") for i in range(24)]
    campaign = started(campaign_for([p.email for p in people], control=25))
    assert plan_batches(campaign=campaign, size=4) == 6
    assert plan_batches(campaign=campaign, size=4) == 0  # cut once
    # someone who joins the audience during the send still falls into exactly one slice
    late = contactable(email="late@example.com")
    campaign.audience_list += "\nlate@example.com"
    campaign.save(update_fields=["audience_list"])

    real = sending.deliver_many
    holding, release = threading.Event(), threading.Event()

    def slow_first(**kw):
        if not holding.is_set():  # worker 0's first slice: hold its row lock mid-transaction
            holding.set()
            assert release.wait(60)
        return real(**kw)

    monkeypatch.setattr("rapport.campaigns.services.deliver_many", slow_first)

    def work(i):
        if i == 1:
            assert holding.wait(60)
            written = send_campaign(campaign=campaign)
            # everything else is sent, but the held slice is not done: not finished yet
            assert not type(campaign).objects.get(pk=campaign.pk).finished_at
            release.set()
            return written
        return send_campaign(campaign=campaign)

    results = run_concurrently(2, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert all(r > 0 for r in results)  # both workers wrote rows
    rows = Recipient.objects.filter(campaign=campaign)
    assert rows.count() == 25 == sum(results)
    assert rows.filter(customer=late).count() == 1
    assert not SendBatch.objects.filter(campaign=campaign, done_at__isnull=True).exists()
    mailed = list(Message.objects.values_list("customer_id", flat=True))
    control = set(rows.filter(is_control=True).values_list("customer_id", flat=True))
    assert control and control.isdisjoint(mailed)
    assert len(mailed) == len(set(mailed)) == 25 - len(control)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and campaign.finished_at
