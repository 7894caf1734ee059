"""The contact budget and quiet hours: how often and when non-transactional mail may go."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from rapport.core.models import AuditEntry
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Purpose
from rapport.customers.tests.factories import contactable
from rapport.messaging.budget import next_allowed_time
from rapport.messaging.models import Message, MessageStatus, Priority
from rapport.messaging.services import queue_message, release_held_messages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def budget_of_three(settings):
    settings.RAPPORT_CONTACT_BUDGET_PER_WEEK = 3
    settings.RAPPORT_CONTACT_BUDGET_HIGH_RESERVE = 1
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0


def _marketing(customer, priority=Priority.NORMAL):
    return queue_message(
        customer=customer, template="news", context={}, purpose=Purpose.MARKETING, priority=priority
    )


def test_normal_mail_leaves_the_reserve_and_high_priority_still_goes():
    customer = contactable()

    normal = [_marketing(customer) for _ in range(3)]
    high = _marketing(customer, Priority.HIGH)
    high_again = _marketing(customer, Priority.HIGH)

    assert [m.status for m in normal] == [
        MessageStatus.QUEUED,
        MessageStatus.QUEUED,
        MessageStatus.HELD,
    ]
    assert high.status == MessageStatus.QUEUED
    assert high_again.status == MessageStatus.HELD
    assert Message.objects.filter(customer=customer, charged_at__isnull=False).count() == 3
    assert AuditEntry.objects.filter(customer=customer, action="message.held").count() == 2


def test_transactional_mail_is_never_held_or_counted():
    customer = contactable()
    for _ in range(3):
        _marketing(customer, Priority.HIGH)

    receipt = queue_message(
        customer=customer, template="notice", context={}, purpose=Purpose.TRANSACTIONAL
    )

    assert receipt.status == MessageStatus.QUEUED
    assert receipt.charged_at is None


def test_held_mail_is_released_highest_priority_first_when_the_week_rolls_on():
    customer = contactable()
    for _ in range(3):
        _marketing(customer, Priority.HIGH)
    low = _marketing(customer, Priority.LOW)
    high = _marketing(customer, Priority.HIGH)
    eight_days_later = timezone.now() + datetime.timedelta(days=8)

    released = release_held_messages(now=eight_days_later)

    low.refresh_from_db()
    high.refresh_from_db()
    assert released == 2
    assert (high.status, low.status) == (MessageStatus.QUEUED, MessageStatus.QUEUED)
    assert high.charged_at == eight_days_later


def test_held_mail_to_a_record_retired_meanwhile_is_cancelled():
    customer = contactable()
    for _ in range(3):
        _marketing(customer, Priority.HIGH)
    held = _marketing(customer)
    customer.retired_at = timezone.now()
    customer.save()

    assert release_held_messages(now=timezone.now() + datetime.timedelta(days=8)) == 0

    held.refresh_from_db()
    assert held.status == MessageStatus.CANCELLED


def test_quiet_hours_defer_to_the_morning_in_the_customers_time_zone(settings):
    settings.RAPPORT_QUIET_HOURS_START, settings.RAPPORT_QUIET_HOURS_END = 21, 8
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    late_evening = datetime.datetime(2026, 5, 1, 22, 30, tzinfo=shanghai)
    early_morning = datetime.datetime(2026, 5, 2, 6, 0, tzinfo=shanghai)
    afternoon = datetime.datetime(2026, 5, 2, 15, 0, tzinfo=shanghai)

    assert next_allowed_time(shanghai, late_evening) == datetime.datetime(
        2026, 5, 2, 8, 0, tzinfo=shanghai
    )
    assert next_allowed_time(shanghai, early_morning) == datetime.datetime(
        2026, 5, 2, 8, 0, tzinfo=shanghai
    )
    assert next_allowed_time(shanghai, afternoon) == afternoon


def test_marketing_queued_in_quiet_hours_waits_instead_of_sending(
    settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    # Make "now" fall inside quiet hours wherever the clock is: a window around the UTC hour.
    settings.RAPPORT_QUIET_HOURS_START = now.hour
    settings.RAPPORT_QUIET_HOURS_END = (now.hour + 2) % 24
    customer = contactable(time_zone="UTC")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = _marketing(customer)

    assert callbacks == []
    assert message.status == MessageStatus.QUEUED
    assert message.next_attempt_at == now.replace(
        minute=0, second=0, microsecond=0
    ) + datetime.timedelta(hours=2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_senders_never_exceed_the_budget():
    skip_unless_postgres()
    customer = contactable()

    results = run_concurrently(20, lambda i: _marketing(customer))

    assert [r for r in results if isinstance(r, Exception)] == []
    charged = Message.objects.filter(customer=customer, charged_at__isnull=False).count()
    assert charged == 2  # the budget of 3 minus the high-priority reserve of 1
    assert Message.objects.filter(customer=customer, status=MessageStatus.HELD).count() == 18
