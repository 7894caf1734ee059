"""The outbox: rendering, exactly-once sending, surviving an SMTP outage, refusals."""

import smtplib

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from rapport.core.models import AuditEntry
from rapport.core.testing import free_port, smtp_mailers
from rapport.customers.models import Purpose
from rapport.customers.tests.factories import CustomerFactory, contactable, with_email
from rapport.messaging.models import Message, MessageStatus
from rapport.messaging.services import (
    MessageRefused,
    MessagingError,
    queue_message,
    send_due_messages,
    send_message,
)
from rapport.messaging.tasks import send_message_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0


@pytest.fixture
def queue(django_capture_on_commit_callbacks):
    """queue_message, with the after-commit dispatch run as it is outside a test transaction."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return queue_message(**kwargs)

    return run


def test_queued_message_is_rendered_stored_and_sent_after_commit(queue):
    customer = contactable(name="Ann Buyer", email="ann@example.com")

    message = queue(
        customer=customer,
        template="notice",
        context={"body": "Your parcel left."},
        purpose=Purpose.TRANSACTIONAL,
    )

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.subject == "A message about your Rapport account"
    assert "Hello Ann Buyer," in message.body_text
    assert "Your parcel left." in message.body_html
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ann@example.com"]
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert sent.from_email == f"bounce+{message.public_id.hex}@bounces.localhost"
    assert "List-Unsubscribe" not in sent.extra_headers  # transactional mail is not a list
    assert AuditEntry.objects.filter(customer=customer, action="message.sent").count() == 1


def test_message_is_rendered_in_the_customers_language(queue):
    customer = contactable(name="王芳", language="zh-hans")

    message = queue(
        customer=customer, template="news", context={"body": "新品上架"}, purpose=Purpose.MARKETING
    )

    assert message.language == "zh-hans"
    assert message.subject == "来自 Rapport 的消息"
    assert message.body_text.startswith("王芳\N{FULLWIDTH COMMA}您好\N{FULLWIDTH COLON}")
    assert "退订" in message.body_html


def test_marketing_mail_carries_one_click_unsubscribe_headers(settings, queue):
    settings.RAPPORT_SITE_URL = "https://shop.example.com"
    customer = contactable()

    message = queue(customer=customer, template="news", context={}, purpose=Purpose.MARKETING)

    unsubscribe = message.headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://shop.example.com/m/u/")
    assert "<mailto:unsubscribe@bounces.localhost?subject=unsubscribe%20" in unsubscribe
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_marketing_without_consent_is_refused_and_nothing_is_stored(queue):
    customer = CustomerFactory()
    with_email(customer, marketing=False)

    with pytest.raises(MessageRefused):
        queue_message(customer=customer, template="news", context={}, purpose=Purpose.MARKETING)

    assert Message.objects.count() == 0
    assert mail.outbox == []


def test_retired_record_gets_transactional_mail_but_no_marketing(queue):
    customer = contactable()
    customer.retired_at = timezone.now()
    customer.save()

    with pytest.raises(MessageRefused):
        queue_message(customer=customer, template="news", context={}, purpose=Purpose.SURVEYS)
    receipt = queue(customer=customer, template="notice", context={}, purpose=Purpose.TRANSACTIONAL)

    assert list(Message.objects.values_list("pk", flat=True)) == [receipt.pk]


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.mark.django_db(transaction=True)
def test_outbox_survives_smtp_outage_and_sends_exactly_once_later(settings):
    port = free_port()  # nothing listens there yet: the mail server is down
    settings.MAILERS = smtp_mailers(port, timeout=2)
    customer = contactable(email="ann@example.com")

    # The SMTP server is down: queueing still works and the caller is not disturbed.
    message = queue_message(
        customer=customer, template="notice", context={}, purpose=Purpose.TRANSACTIONAL
    )

    message.refresh_from_db()
    assert message.status == MessageStatus.RETRYING
    assert message.attempts == 1
    assert message.next_attempt_at > timezone.now()
    assert "Connection refused" in message.last_error or "refused" in message.last_error.lower()
    # Not due yet: a run of the outbox does not hammer the server.
    call_command("send_outbox")
    message.refresh_from_db()
    assert message.attempts == 1

    # The server comes up on that port and the backoff elapses.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        call_command("send_outbox")
        send_message_task.delay(message.pk)  # the task runs again (e.g. a redelivered job)
        send_message_task.delay(message.pk)
        call_command("send_outbox")
    finally:
        controller.stop()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 2
    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].rcpt_tos == ["ann@example.com"]
    assert inbox.envelopes[0].mail_from == f"bounce+{message.public_id.hex}@bounces.localhost"
    assert f"Message-ID: {message.message_id}".encode() in inbox.envelopes[0].content


def test_gives_up_after_max_attempts(settings, queue):
    settings.MAILERS = smtp_mailers(free_port(), timeout=2)
    settings.RAPPORT_OUTBOX_MAX_ATTEMPTS = 2
    customer = contactable()
    message = queue(customer=customer, template="notice", context={}, purpose=Purpose.TRANSACTIONAL)

    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert send_message(message.pk) == MessageStatus.FAILED

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert AuditEntry.objects.filter(customer=customer, action="message.failed").count() == 1


def test_refused_recipient_fails_the_message_and_counts_as_a_hard_bounce(monkeypatch, queue):
    customer = contactable()

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({customer.email: (550, b"No such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    message = queue(customer=customer, template="notice", context={}, purpose=Purpose.TRANSACTIONAL)

    message.refresh_from_db()
    point = customer.contact_points.get()
    assert message.status == MessageStatus.FAILED
    assert (point.status, point.hard_failure_count) == ("failing", 1)


def test_unknown_attachment_kind_is_refused_and_nothing_is_stored(queue):
    customer = contactable()

    with pytest.raises(MessagingError):
        queue_message(
            customer=customer,
            template="notice",
            context={},
            purpose=Purpose.TRANSACTIONAL,
            attachments=[{"kind": "no-such-kind"}],
        )

    assert Message.objects.count() == 0


def test_attachment_that_cannot_be_rendered_leaves_the_message_retrying(queue):
    customer = contactable()

    message = queue(
        customer=customer,
        template="notice",
        context={},
        purpose=Purpose.TRANSACTIONAL,
        attachments=[{"kind": "order-receipt", "order_id": 987654}],  # no such order
    )

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.RETRYING, 1)
    assert "DoesNotExist" in message.last_error
    assert mail.outbox == []


def test_a_message_left_sending_by_a_killed_worker_is_sent_once_after_its_lease(
    settings, smtp_server
):
    """A worker died mid-send: its row stays SENDING. Within the lease nobody touches it; once
    the lease has run out the next outbox run sends it — once, with the same Message-ID."""
    settings.RAPPORT_OUTBOX_SENDING_LEASE_SECONDS = 600
    customer = contactable(name="Ann Buyer", email="ann@example.com")
    message = queue_message(
        customer=customer,
        template="notice",
        context={"body": "Your parcel left."},
        purpose=Purpose.TRANSACTIONAL,
    )
    claimed_at = timezone.now() - timezone.timedelta(minutes=5)
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, attempts=1, updated_at=claimed_at
    )

    send_due_messages()  # the lease still holds: its sender may be alive
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING and smtp_server.messages == []

    Message.objects.filter(pk=message.pk).update(
        updated_at=timezone.now() - timezone.timedelta(minutes=11)
    )
    send_due_messages()
    send_due_messages()  # a second run finds nothing more to do

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2
    received = smtp_server.wait_for(1)
    assert len(received) == 1
    assert received[0]["Message-ID"] == message.message_id
    assert AuditEntry.objects.filter(action="message.send_interrupted").count() == 1


def test_a_message_interrupted_too_often_is_failed_not_resent(settings, smtp_server):
    settings.RAPPORT_OUTBOX_MAX_ATTEMPTS = 3
    customer = contactable(name="Ann Buyer", email="ann@example.com")
    message = queue_message(
        customer=customer,
        template="notice",
        context={"body": "Your parcel left."},
        purpose=Purpose.TRANSACTIONAL,
    )
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING,
        attempts=3,
        updated_at=timezone.now() - timezone.timedelta(hours=1),
    )

    send_due_messages()

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and smtp_server.messages == []
