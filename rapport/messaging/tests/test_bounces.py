"""Bounces: real DSNs over SMTP to our bounce server, up to a retired record and back."""

import smtplib

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse

from rapport.core.models import AuditEntry
from rapport.core.testing import free_port, login_staff
from rapport.customers.models import ContactStatus, Customer, Purpose
from rapport.customers.tests.factories import CustomerFactory, contactable, reseed, with_email
from rapport.messaging.bounces import BounceHandler, build_dsn, handle_inbound, parse_dsn
from rapport.messaging.models import MessageStatus
from rapport.messaging.services import queue_message


@pytest.fixture
def bounce_server():
    port = free_port()
    controller = Controller(BounceHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _deliver(port, *, to, raw):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("MAILER-DAEMON@mx.example.net", [to], raw)


@pytest.fixture
def seeded(transactional_db):
    """Earlier transactional tests flush what migrations seeded (the staff groups)."""
    reseed()


@pytest.mark.django_db(transaction=True)
def test_hard_bounces_over_smtp_fail_the_address_retire_the_record_and_staff_restore_it(
    seeded, smtp_server, bounce_server, people, client
):
    customer = contactable(name="Ann Bounce", email="ann.bounce@example.com")
    first = queue_message(
        customer=customer, template="notice", context={"body": "1"}, purpose=Purpose.TRANSACTIONAL
    )
    second = queue_message(
        customer=customer, template="notice", context={"body": "2"}, purpose=Purpose.TRANSACTIONAL
    )
    smtp_server.wait_for(2)
    assert len(smtp_server.to("ann.bounce@example.com")) == 2
    return_paths = [e.mail_from for e in smtp_server.envelopes]
    assert return_paths == [
        f"bounce+{first.public_id.hex}@bounces.localhost",
        f"bounce+{second.public_id.hex}@bounces.localhost",
    ]

    # The receiving MTA rejects the first message: its DSN goes to the envelope sender.
    received = smtp_server.messages[0]
    dsn = build_dsn(
        original=received,
        recipient="ann.bounce@example.com",
        status="5.1.1",
        reporting_mta="mx.example.net",
        to=return_paths[0],
        original_message_id=received["Message-ID"],
        diagnostic="550 5.1.1 User unknown",
    )
    _deliver(bounce_server, to=return_paths[0], raw=dsn)

    first.refresh_from_db()
    point = customer.contact_points.get()
    assert first.status == MessageStatus.BOUNCED
    assert (point.status, point.hard_failure_count) == (ContactStatus.FAILING, 1)

    # The same DSN delivered twice counts once.
    _deliver(bounce_server, to=return_paths[0], raw=dsn)
    point.refresh_from_db()
    assert point.hard_failure_count == 1

    # The second message bounces too: the address has failed; the daily job retires the record.
    dsn2 = build_dsn(
        original=None,
        recipient="ann.bounce@example.com",
        status="5.1.1",
        reporting_mta="mx.example.net",
        to=return_paths[1],
        original_message_id=second.message_id,
    )
    _deliver(bounce_server, to=return_paths[1], raw=dsn2)
    point.refresh_from_db()
    assert point.status == ContactStatus.FAILED
    call_command("retire_unreachable_customers")

    customer.refresh_from_db()
    assert customer.retired_at is not None
    assert customer.retired_reason == "Every contact point has failed"
    assert not Customer.objects.active().filter(pk=customer.pk).exists()
    assert list(
        AuditEntry.objects.filter(customer=customer).order_by("id").values_list("action", flat=True)
    ) == [
        "message.sent",
        "message.sent",
        "message.bounced",
        "contact.failing",
        "message.bounced",
        "contact.failed",
        "customer.retired",
    ]

    # Staff see it as retired and restore it in one click.
    login_staff(client, people["employee"])
    detail = client.get(reverse("portal:customer_detail", args=[customer.public_id]))
    assert "Every contact point has failed" in detail.content.decode()
    response = client.post(reverse("portal:customer_restore", args=[customer.public_id]))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.retired_at is None
    restored = AuditEntry.objects.filter(customer=customer, action="customer.restored").get()
    assert restored.actor == people["employee"]


@pytest.mark.django_db
def test_transient_dsn_marks_failing_and_keeps_the_message_sent(django_capture_on_commit_callbacks):
    customer = contactable(email="tom@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_message(
            customer=customer, template="notice", context={}, purpose=Purpose.TRANSACTIONAL
        )
    dsn = build_dsn(
        original=None,
        recipient="tom@example.com",
        status="4.2.2",
        reporting_mta="mx.example.net",
        to="x@bounces.localhost",
        original_message_id=message.message_id,
        diagnostic="mailbox full",
    )

    assert handle_inbound(dsn, ["someone-else@bounces.localhost"]) == 1

    message.refresh_from_db()
    point = customer.contact_points.get()
    assert message.status == MessageStatus.SENT  # found by Message-ID; only delayed
    assert (point.status, point.failure_count, point.hard_failure_count) == ("failing", 1, 0)


@pytest.mark.django_db
def test_dsn_without_a_known_message_is_matched_by_final_recipient():
    customer = CustomerFactory()
    point = with_email(customer, "gone@example.com")
    dsn = build_dsn(
        original=None,
        recipient="Gone@Example.com",
        status="5.0.0",
        reporting_mta="mx",
        to="postmaster@bounces.localhost",
        original_message_id="<unknown@elsewhere>",
    )

    handle_inbound(dsn, ["postmaster@bounces.localhost"])

    point.refresh_from_db()
    assert point.status == ContactStatus.FAILING


def test_parse_dsn_reads_recipient_action_and_status():
    raw = build_dsn(
        original=None,
        recipient="a@example.com",
        status="5.1.1",
        reporting_mta="mx",
        to="b@x",
        original_message_id="<m1@x>",
        diagnostic="550 no such user",
    )

    report = parse_dsn(raw)

    assert report is not None
    assert report.original_message_id == "<m1@x>"
    [recipient] = report.recipients
    assert (recipient.address, recipient.action, recipient.status) == (
        "a@example.com",
        "failed",
        "5.1.1",
    )
    assert recipient.permanent is True


@pytest.mark.django_db
def test_ordinary_mail_to_the_bounce_address_changes_nothing():
    customer = CustomerFactory()
    point = with_email(customer)

    assert handle_inbound(b"From: x@example.com\r\nSubject: hi\r\n\r\nhello\r\n", ["bounce@x"]) == 0

    point.refresh_from_db()
    assert point.status == ContactStatus.UNVERIFIED


@pytest.mark.django_db
def test_mailto_unsubscribe_withdraws_consent_for_the_messages_purpose(settings):
    from urllib.parse import unquote

    from rapport.customers.models import Consent

    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0
    customer = contactable()
    point = customer.contact_points.get()
    Consent.objects.filter(contact_point=point, purpose="surveys").update(granted=True)
    message = queue_message(customer=customer, template="news", context={}, purpose=Purpose.SURVEYS)
    mailto = message.headers["List-Unsubscribe"].split("<mailto:")[1].rstrip(">")
    address, query = mailto.split("?subject=")
    raw = f"From: {customer.email}\r\nTo: {address}\r\nSubject: {unquote(query)}\r\n\r\n\r\n"

    assert handle_inbound(raw.encode(), [address]) == 1
    assert handle_inbound(b"Subject: unsubscribe forged\r\n\r\n", [address]) == 0

    consent = Consent.objects.get(contact_point=point, purpose="surveys")
    assert (consent.granted, consent.source) == (False, "mailto unsubscribe")
