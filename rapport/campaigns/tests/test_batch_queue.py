"""`messaging.batch.queue_messages` applies queue_message's rules to a whole batch."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from rapport.customers.models import Purpose
from rapport.customers.tests.factories import CustomerFactory, contactable, with_email
from rapport.messaging.batch import queue_messages
from rapport.messaging.models import Message, MessageStatus
from rapport.messaging.services import MessageRefused, queue_message

pytestmark = pytest.mark.django_db


def test_each_rule_of_queue_message_holds_in_a_batch(settings):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0
    settings.RAPPORT_CONTACT_BUDGET_PER_WEEK = 2
    settings.RAPPORT_CONTACT_BUDGET_HIGH_RESERVE = 1
    ok = contactable()
    no_consent = CustomerFactory()
    with_email(no_consent, marketing=False)
    retired = contactable(retired_at=timezone.now())
    no_email = CustomerFactory()
    busy = contactable()
    queue_message(customer=busy, template="news", context={}, purpose=Purpose.MARKETING)

    people = [ok, no_consent, retired, no_email, busy]
    results = queue_messages(
        items=[(c, {}) for c in people], template="news", purpose=Purpose.MARKETING
    )

    assert [type(r).__name__ for r in results] == [
        "Message",
        "MessageRefused",
        "MessageRefused",
        "MessageRefused",
        "Message",
    ]
    assert "consent" in str(results[1])
    assert "retired" in str(results[2])
    assert "email" in str(results[3])
    assert results[0].status == MessageStatus.QUEUED and results[0].charged_at is not None
    assert results[4].status == MessageStatus.HELD  # normal priority leaves the reserve free
    assert Message.objects.filter(customer=busy).count() == 2
    assert not Message.objects.filter(customer__in=[no_consent, retired, no_email]).exists()


def test_quiet_hours_in_each_customers_zone(settings):
    now = timezone.now()
    settings.RAPPORT_QUIET_HOURS_START = now.hour
    settings.RAPPORT_QUIET_HOURS_END = (now.hour + 2) % 24
    here = contactable(time_zone="UTC")
    [message] = queue_messages(items=[(here, {})], template="news", purpose=Purpose.MARKETING)
    assert not isinstance(message, MessageRefused)
    assert message.next_attempt_at > now
    assert message.next_attempt_at - now <= datetime.timedelta(hours=2)


def test_with_a_broker_a_batch_is_dispatched_in_chunks_and_each_mail_goes_once(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Enqueueing one Celery task per message cost as much as rendering it: with a broker the
    batch's due messages go out in tasks of DISPATCH_CHUNK; running a chunk twice sends once."""
    from django.core import mail

    from rapport.messaging import after_response, batch
    from rapport.messaging.tasks import send_messages_task

    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0
    monkeypatch.setattr(batch, "DISPATCH_CHUNK", 2)
    monkeypatch.setattr(after_response, "is_eager", lambda: False)
    chunks: list[list[int]] = []
    monkeypatch.setattr(send_messages_task, "delay", chunks.append)
    people = [contactable() for _ in range(5)]

    with django_capture_on_commit_callbacks(execute=True):
        results = queue_messages(
            items=[(c, {}) for c in people], template="news", purpose=Purpose.MARKETING
        )

    assert [len(c) for c in chunks] == [2, 2, 1]
    assert sorted(pk for c in chunks for pk in c) == sorted(m.pk for m in results)
    assert not mail.outbox  # nothing sent in this process: the workers do it
    for chunk in chunks:
        assert send_messages_task.apply(args=[chunk]).get() == len(chunk)
    assert send_messages_task.apply(args=[chunks[0]]).get() == 0  # redelivered: nothing twice
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in people)
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
