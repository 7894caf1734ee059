"""Wagtail's moderation mails go through the outbox (rapport.content.notifications): a writer's
submission queues one message to each editor of the review task, an approval one to the writer;
with the mail server down they wait in the outbox and are delivered once when it is back, in the
recipient's admin language."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import WorkflowState
from wagtail.users.models import UserProfile

from rapport.content.models import NewsPage
from rapport.content.notifications import KIND
from rapport.content.tests.conftest import staff_client
from rapport.content.tests.test_editing import add_news, news_form
from rapport.core.testing import Mailbox, free_port, smtp_mailers
from rapport.messaging.models import Message, MessageStatus

# transaction=True: the outbox sends after commit.
pytestmark = pytest.mark.django_db(transaction=True)


def _submit(writer, news_index, title):
    client = staff_client(writer)
    add_news(client, news_index, {**news_form(title), "action-submit": "1"})
    page = NewsPage.objects.get(title=title)
    state = WorkflowState.objects.get(
        object_id=str(page.pk), status=WorkflowState.STATUS_IN_PROGRESS
    )
    return page, state


def test_review_mails_wait_out_an_smtp_outage_and_are_delivered_once(
    news_index, writer, editor, settings
):
    port = free_port()
    settings.MAILERS = smtp_mailers(port, timeout=2)  # the mail server is down

    page, state = _submit(writer, news_index, "Kettle week")

    [to_editor] = Message.objects.filter(send_time__kind=KIND)
    assert to_editor.to_address == editor.email
    assert to_editor.send_time["notifier"] == "task_submitted"
    assert to_editor.status == MessageStatus.RETRYING  # kept, not lost
    assert to_editor.body_text == ""  # rendered when sent

    approve = reverse(
        "wagtailadmin_pages:workflow_action", args=(page.pk, "approve", state.current_task_state.pk)
    )
    staff_client(editor).post(approve, {"comment": ""})
    page.refresh_from_db()
    assert page.live
    to_writer = Message.objects.get(send_time__kind=KIND, to_address=writer.email)
    assert to_writer.send_time["notifier"] == "workflow_approved"

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        Message.objects.filter(send_time__kind=KIND).update(next_attempt_at=timezone.now())
        call_command("send_outbox")
        call_command("send_outbox")  # a second run sends nothing more
        mailbox.wait_for(2)
    finally:
        controller.stop()

    assert sorted(str(m["To"]) for m in mailbox.messages) == sorted([editor.email, writer.email])
    by_to = {str(m["To"]): m for m in mailbox.messages}
    editor_mail = by_to[editor.email]
    assert "Kettle week" in str(editor_mail["Subject"])
    assert "Kettle week" in editor_mail.get_body(("plain",)).get_content()
    assert "Kettle week" in str(by_to[writer.email]["Subject"])
    assert set(Message.objects.filter(send_time__kind=KIND).values_list("status", flat=True)) == {
        MessageStatus.SENT
    }


def test_review_mail_is_rendered_in_the_recipients_admin_language(
    news_index, writer, editor, smtp_server
):
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "zh-hans"
    profile.save()

    _submit(writer, news_index, "Teapot days")

    [mail] = smtp_server.wait_for(1)
    assert str(mail["To"]) == editor.email
    message = Message.objects.get(send_time__kind=KIND)
    assert message.status == MessageStatus.SENT and message.language == "zh-hans"
    assert "Teapot days" in str(mail["Subject"])
    assert "内容审核" in message.subject  # our label, in Chinese
    body = mail.get_body(("plain",)).get_content()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body)  # Wagtail's template, in Chinese


def test_sent_back_mail_names_the_task_and_comment(news_index, writer, editor, smtp_server):
    page, state = _submit(writer, news_index, "Cup season")
    reject = reverse(
        "wagtailadmin_pages:workflow_action",
        args=(page.pk, "reject", state.current_task_state.pk),
    )
    staff_client(editor).post(reject, {"comment": "Needs a better picture"})

    smtp_server.wait_for(2)
    [mail] = smtp_server.to(writer.email)
    assert "Needs a better picture" in mail.get_body(("plain",)).get_content()
    assert Message.objects.get(to_address=writer.email).send_time["notifier"] == "workflow_rejected"
