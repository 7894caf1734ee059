"""Inbound support mail over a real SMTP round trip: answered, routed, refused, never lost."""

from __future__ import annotations

import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.urls import reverse

from rapport.aftersales.tests.factories import buy, reachable, stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import free_port
from rapport.customers.models import Customer
from rapport.customers.tests.factories import reseed
from rapport.messaging.models import Message
from rapport.support.models import (
    CaseStatus,
    InboundMail,
    InboundStatus,
    Lead,
    SupportCase,
)
from rapport.support.smtp import start_server

TRACK = "where can I track my delivery?"  # a track_order text of the training slice
SUPPORT = "support@rapport.localhost"


@pytest.fixture
def inbox(transactional_db, intent_model, settings):
    """The support inbox on a free port, with the knowledge base seeded."""
    from io import StringIO

    from django.core.management import call_command

    reseed()
    call_command("seed_knowledge_base", stdout=StringIO())
    settings.RAPPORT_AUTO_ANSWER_THRESHOLD = 0.2  # the slice-trained model is less sure
    port = free_port()
    controller = start_server(host="127.0.0.1", port=port)
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def ann(people):
    customer = Customer.objects.get(user=people["customer"])
    return reachable(customer)


def send(port: int, raw: bytes, *, sender: str = "ann@example.com") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sendmail(sender, [SUPPORT], raw)


def mail(
    body: str,
    *,
    sender: str = "Ann Buyer <ann@example.com>",
    subject: str = "Question",
    message_id: str = "<q1@mail.example.com>",
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)


def test_mail_in_gets_a_threaded_automatic_answer_with_the_orders_real_status(
    inbox, ann, people, smtp_server
):
    order = buy(people["customer"], ann, [(stocked_product(price="4.50"), 1)])
    raw = mail(
        f"Hi,\n\n{TRACK} It is order {order.number}.\n\nThanks,\nAnn\n",
        subject="Where is my parcel",
        headers={"References": "<older@mail.example.com>"},
    )

    send(inbox, raw)

    received = InboundMail.objects.get()
    assert received.status == InboundStatus.AUTO_REPLIED
    assert received.intent == "track_order" and received.customer == ann
    assert bytes(received.raw) == raw.replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
    smtp_server.wait_for(2)  # the order confirmation, then our answer
    replies = [m for m in smtp_server.messages if m["Auto-Submitted"]]
    assert len(replies) == 1
    reply = replies[0]
    assert reply["To"] == "ann@example.com"
    assert reply["Subject"] == "Re: Where is my parcel"
    assert reply["In-Reply-To"] == "<q1@mail.example.com>"
    assert reply["References"] == "<older@mail.example.com> <q1@mail.example.com>"
    assert reply["Auto-Submitted"] == "auto-replied"
    text = reply.get_body(("plain",)).get_content()
    assert f"Your order {order.number} is: Placed." in text
    assert "> where can I track my delivery?" in text
    assert "/help/not-helpful/" in text
    assert SupportCase.objects.count() == 0
    entry = AuditEntry.objects.get(action="message.received")
    assert entry.customer == ann and "track" in entry.summary.lower()


def test_an_unsure_answer_opens_a_case_for_the_intents_team_with_suggestions(
    inbox, ann, settings, smtp_server
):
    settings.RAPPORT_AUTO_ANSWER_THRESHOLD = 0.999

    send(inbox, mail(f"Hello,\n{TRACK}\n"))

    received = InboundMail.objects.get()
    assert received.status == InboundStatus.CASE_OPENED
    case = SupportCase.objects.get()
    assert case.intent == "track_order" and case.team == "orders"
    assert case.reason == "not confident enough" and case.customer == ann
    assert case.suggested.count() >= 1
    assert case.status == CaseStatus.OPEN
    assert AuditEntry.objects.filter(action="ticket.case_opened", customer=ann).exists()
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "<news.example.com>"},
        {"X-Autoreply": "yes"},
    ],
)
def test_automatic_and_list_mail_is_kept_but_never_answered(inbox, ann, headers, smtp_server):
    send(inbox, mail(TRACK, headers=headers))

    received = InboundMail.objects.get()
    assert received.status == InboundStatus.IGNORED
    assert received.reason
    assert Message.objects.count() == 0 and SupportCase.objects.count() == 0


def test_an_answer_to_our_automatic_reply_goes_to_a_person(inbox, ann, smtp_server):
    send(inbox, mail(TRACK))
    first = InboundMail.objects.get()
    ours = first.reply.message_id

    send(
        inbox,
        mail(TRACK, message_id="<q2@mail.example.com>", headers={"In-Reply-To": ours}),
    )

    second = InboundMail.objects.exclude(pk=first.pk).get()
    assert second.status == InboundStatus.CASE_OPENED
    assert SupportCase.objects.get().reason == "reply to an automatic answer"


def test_a_sender_gets_at_most_n_automatic_replies_a_day(inbox, ann, settings, smtp_server):
    settings.RAPPORT_AUTO_REPLIES_PER_DAY = 1

    send(inbox, mail(TRACK, message_id="<a@x.example>"))
    send(inbox, mail(TRACK, message_id="<b@x.example>"))

    statuses = list(InboundMail.objects.order_by("id").values_list("status", flat=True))
    assert statuses == [InboundStatus.AUTO_REPLIED, InboundStatus.CASE_OPENED]
    assert SupportCase.objects.get().reason == "daily automatic-reply limit reached"
    assert Message.objects.count() == 1


def test_an_unknown_sender_becomes_a_lead_and_a_case_never_a_customer(inbox, people):
    customers = Customer.objects.count()

    send(
        inbox, mail(TRACK, sender="Zoe New <zoe@elsewhere.example>"), sender="zoe@elsewhere.example"
    )

    assert Customer.objects.count() == customers
    lead = Lead.objects.get()
    assert (lead.email, lead.name, lead.mails) == ("zoe@elsewhere.example", "Zoe New", 1)
    case = SupportCase.objects.get()
    assert case.lead == lead and case.customer is None and case.reason == "unknown sender"


def test_this_didnt_help_link_opens_one_case(inbox, ann, client, smtp_server):
    from rapport.support.inbound import not_helpful_url

    send(inbox, mail(TRACK))
    received = InboundMail.objects.get()
    path = not_helpful_url(received).removeprefix(settings.RAPPORT_SITE_URL)

    page = client.get(path)
    first = client.post(path)
    again = client.post(path)

    assert page.status_code == 200 and first.status_code == 200 and again.status_code == 200
    case = SupportCase.objects.get()
    assert case.reason == "automatic answer did not help" and case.customer == ann
    assert client.get(reverse("storefront:help_not_helpful", args=["forged"])).status_code == 404


def _raw(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            b"From: ann@example.com\r\nTo: support@rapport.localhost\r\nSubject: html\r\n"
            b"Message-ID: <h@x>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8"
            b"\r\n\r\n<html><body><p>Hello,</p><p>where can I track my delivery?</p>"
            b"</body></html>\r\n",
            id="html-only",
        ),
        pytest.param(
            _raw(
                "From: ann@example.com",
                "Subject: alt",
                "MIME-Version: 1.0",
                'Content-Type: multipart/alternative; boundary="b1"',
                "",
                "--b1",
                "Content-Type: text/plain; charset=utf-8",
                "",
                "where can I track my delivery?",
                "--b1",
                "Content-Type: text/html; charset=utf-8",
                "",
                "<p>where can I track my delivery?</p>",
                "--b1--",
            ),
            id="multipart",
        ),
        pytest.param(
            b"From: ann@example.com\r\nSubject: =?gb2312?B?0ru49rDs?=\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "您好\r\nwhere can I track my delivery?\r\n谢谢\r\n".encode("gb2312"),
            id="gb2312",
        ),
        pytest.param(
            b"From: ann@example.com\r\nSubject: latin\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"
            + "Grüße, where can I track my delivery?\r\n".encode("latin-1"),
            id="latin-1",
        ),
        pytest.param(
            b"From: ann@example.com\r\nSubject: odd\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
            b"where can I track my delivery? \xff\xfe\r\n",
            id="unknown-charset",
        ),
        pytest.param(
            b"From: <<<ann@example.com\r\nTo: ;;;\r\nSubject: =?broken?Q?=ZZ?=\r\n"
            b"Message-ID: no angle brackets\r\nDate: yesterday-ish\r\nContent-Type: text/plain;"
            b" charset\r\n\r\nwhere can I track my delivery?\r\n",
            id="malformed-headers",
        ),
        pytest.param(b"not a mail at all\r\n", id="no-headers"),
    ],
)
def test_awkward_mail_is_handled_and_kept_byte_for_byte(inbox, ann, raw, smtp_server):
    send(inbox, raw)

    received = InboundMail.objects.get()
    assert bytes(received.raw) == raw
    assert received.size == len(raw)
    assert received.status in (
        InboundStatus.AUTO_REPLIED,
        InboundStatus.CASE_OPENED,
        InboundStatus.IGNORED,
    )


def test_a_10_mb_attachment_is_received_and_the_question_still_answered(inbox, ann, smtp_server):
    message = message_from_bytes(mail(TRACK), policy=policy.default)
    message.add_attachment(b"\x00" * (10 * 1024 * 1024), maintype="application", subtype="zip")
    raw = message.as_bytes(policy=policy.SMTP)

    send(inbox, raw)

    received = InboundMail.objects.get()
    assert received.size == len(raw) > 10 * 1024 * 1024
    assert received.status == InboundStatus.AUTO_REPLIED
    assert received.question == TRACK
