"""A mail server that is down does not turn a finished registration into an error page."""

import socket

import pytest
from django.urls import reverse

from rapport.accounts.models import User

# transaction=True: after-commit callbacks (the mail) really run.
pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_registration_succeeds_when_the_mail_server_is_down(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2

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
