"""A mail server that is down does not turn a finished registration into an error page."""

import pytest
from django.urls import reverse

from rapport.accounts.models import User
from rapport.core.testing import free_port, smtp_mailers

# transaction=True: after-commit callbacks (the mail) really run.
pytestmark = pytest.mark.django_db(transaction=True)


def test_registration_succeeds_when_the_mail_server_is_down(client, settings):
    settings.MAILERS = smtp_mailers(free_port(), timeout=2)  # nothing listens there

    response = client.post(
        reverse("storefront:register"),
        {
            "name": "Nia New",
            "email": "nia@example.com",
            "password1": "a long and unusual passphrase 913",
            "password2": "a long and unusual passphrase 913",
        },
    )

    assert response.status_code == 302
    assert User.objects.filter(email="nia@example.com").exists()


def test_account_mail_waits_out_an_smtp_outage_and_is_sent_once_with_a_fresh_link(
    client, people, settings
):
    """The reset mail goes through the outbox: SMTP down → kept and retried, never lost;
    the stored row holds no link; once the server is up it is sent exactly once and its
    link (made at send time) sets the password."""
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from django.utils import timezone

    from rapport.accounts.tests.test_customer_accounts import link_in
    from rapport.core.testing import Mailbox
    from rapport.messaging.models import Message, MessageStatus

    port = free_port()
    settings.MAILERS = smtp_mailers(port, timeout=2)  # the mail server is down
    ann = people["customer"]

    response = client.post(reverse("storefront:password_reset"), {"email": ann.email})

    assert response.status_code == 302
    message = Message.objects.get(to_address=ann.email, template="password_reset")
    assert message.status == MessageStatus.RETRYING
    assert message.body_text == "" and "/account/password/" not in str(message.send_time)

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        call_command("send_outbox")
        call_command("send_outbox")  # a second run sends nothing more
        [mail] = mailbox.wait_for(1)
    finally:
        controller.stop()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(mailbox.messages) == 1
    path = link_in(mail, "/account/password/reset/")
    form = client.get(path, follow=True)
    new = "a long and unusual passphrase 777"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    ann.refresh_from_db()
    assert ann.check_password(new)
