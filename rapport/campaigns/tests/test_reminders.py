"""Occasion reminders: real SMTP, in-stock products only, once per occasion, quiet hours,
topic unsubscribe and the control group."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from rapport.campaigns import reminders
from rapport.campaigns.models import Occasion, Recipient, Topic, TopicOptOut
from rapport.campaigns.occasion_services import refresh_occasions
from rapport.campaigns.services import unsubscribe_topic
from rapport.campaigns.tasks import send_occasion_reminders_task
from rapport.campaigns.tests.factories import gift_buyer
from rapport.checkout.tests.factories import stocked_product
from rapport.messaging.models import Message, MessageStatus
from rapport.recommendations.tests.helpers import rule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def awake(settings):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0


def no_control():
    campaign = reminders.occasion_campaign()
    campaign.control_percent = 0
    campaign.save(update_fields=["control_percent"])
    return campaign


def test_reminder_arrives_over_smtp_with_products_in_stock_and_only_once(smtp_server, awake):
    today = timezone.localdate()
    sold_out = stocked_product(quantity=0, name="SOLD OUT VASE")
    ann, lamp = gift_buyer(today, due_in=2, also=[sold_out], email="ann@example.com", name="Ann")
    candles = stocked_product(name="TEALIGHT CANDLES")
    rule(lamp, candles)
    refresh_occasions(today=today)
    no_control()

    assert send_occasion_reminders_task.apply().get() == 1
    assert reminders.send_due_reminders() == 0  # the hourly run again: nothing twice

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ann@example.com"
    due = today + datetime.timedelta(days=2)
    assert f"{due.day} " in mail["Subject"] and "coming up" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "BRASS LAMP" in body  # what they bought for it, in stock again
    assert "TEALIGHT CANDLES" in body  # the cross-sell rule
    assert "SOLD OUT VASE" not in body  # never out of stock
    assert "/m/t/" in body  # per-topic unsubscribe link
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    message = Message.objects.get()
    assert (message.purpose, message.template) == ("marketing", "occasion_reminder")
    assert Recipient.objects.get().occasion == Occasion.objects.get(customer=ann)


def test_not_yet_due_reminder_waits(awake):
    today = timezone.localdate()
    gift_buyer(today, due_in=40)
    refresh_occasions(today=today)
    no_control()
    assert reminders.send_due_reminders(today=today) == 0
    occasion = Occasion.objects.get()
    # it becomes due lead time + notice days before the date
    assert reminders.send_due_reminders(today=reminders.send_on(occasion)) == 1


def test_reminder_turned_off_by_the_customer_is_not_sent(awake):
    today = timezone.localdate()
    gift_buyer(today, due_in=2)
    refresh_occasions(today=today)
    no_control()
    Occasion.objects.update(enabled=False)
    assert reminders.send_due_reminders(today=today) == 0
    assert not Message.objects.exists()


def test_quiet_hours_hold_the_reminder_until_morning_in_the_customers_zone(settings):
    now = timezone.now()
    settings.RAPPORT_QUIET_HOURS_START = now.hour
    settings.RAPPORT_QUIET_HOURS_END = (now.hour + 2) % 24
    today = timezone.localdate()
    gift_buyer(today, due_in=2, time_zone="UTC")
    refresh_occasions(today=today)
    no_control()
    assert reminders.send_due_reminders(today=today) == 1
    message = Message.objects.get()
    assert message.status == MessageStatus.QUEUED
    assert message.sent_at is None
    assert message.next_attempt_at > now


def test_topic_unsubscribe_from_the_mail_link_stops_occasion_mail(awake):
    today = timezone.localdate()
    ann, _lamp = gift_buyer(today, due_in=2)
    bob, _lamp2 = gift_buyer(today, due_in=2, gift_name="TEAPOT")
    refresh_occasions(today=today)
    campaign = no_control()
    from rapport.campaigns.sending import topic_token

    link = f"/m/t/{topic_token(ann, campaign)}/"
    client = Client()
    assert client.get(link).status_code == 200
    assert not TopicOptOut.objects.exists()  # a link scanner's GET changes nothing
    assert client.post(link).status_code == 200
    assert TopicOptOut.objects.get().customer == ann
    assert client.get("/m/t/forged-token/").status_code == 404

    assert reminders.send_due_reminders(today=today) == 2
    assert list(Message.objects.values_list("customer_id", flat=True)) == [bob.pk]
    assert Recipient.objects.get(customer=ann).skipped_reason != ""


def test_offers_unsubscribe_does_not_stop_occasion_reminders(awake):
    today = timezone.localdate()
    ann, _lamp = gift_buyer(today, due_in=2)
    refresh_occasions(today=today)
    no_control()
    unsubscribe_topic(customer=ann, topic=Topic.OFFERS, actor=None)
    assert reminders.send_due_reminders(today=today) == 1
    assert Message.objects.filter(customer=ann).count() == 1


def test_control_group_never_gets_a_reminder_even_when_its_rows_are_lost(awake):
    today = timezone.localdate()
    buyers = [gift_buyer(today, due_in=2, gift_name=f"GIFT {i}")[0] for i in range(20)]
    refresh_occasions(today=today)
    campaign = reminders.occasion_campaign()
    campaign.control_percent = 50
    campaign.save(update_fields=["control_percent"])
    assert reminders.send_due_reminders(today=today) == 20
    control = set(Recipient.objects.filter(is_control=True).values_list("customer_id", flat=True))
    mailed = set(Message.objects.values_list("customer_id", flat=True))
    assert control and mailed
    assert control.isdisjoint(mailed)
    assert control | mailed == {b.pk for b in buyers}
    # a crash lost the control rows: the re-send still mails none of them
    Recipient.objects.filter(is_control=True).delete()
    assert reminders.send_due_reminders(today=today) == len(control)
    assert set(Message.objects.values_list("customer_id", flat=True)) == mailed
    assert Message.objects.count() == len(mailed)


def test_a_chinese_speaking_customer_gets_the_reminder_in_chinese(awake):
    today = timezone.localdate()
    gift_buyer(today, due_in=2, name="王芳", language="zh-hans")
    refresh_occasions(today=today)
    no_control()
    assert reminders.send_due_reminders(today=today) == 1
    message = Message.objects.get()
    assert message.language == "zh-hans"
    assert "快到了" in message.subject
    assert "全部有货" in message.body_text
    assert "不再接收纪念日提醒" in message.body_text
