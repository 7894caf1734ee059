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
