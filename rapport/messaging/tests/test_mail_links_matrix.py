"""The links in our mail are public by design: the signed token, not the session, authorises them.

Every actor gets the same answer for a valid token, and a 404 for a forged one.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from rapport.core.testing import NOT_FOUND, Row, check_matrix, expect
from rapport.customers.models import Purpose
from rapport.customers.tests.factories import contactable
from rapport.messaging.services import queue_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0


def test_mail_links_answer_every_actor_alike(clients):
    message = queue_message(
        customer=contactable(),
        template="news",
        context={"body": "New", "link_url": "https://shop.example.com/c/candles/"},
        purpose=Purpose.MARKETING,
    )
    unsubscribe = urlsplit(re.search(r"<(http[^>]+)>", message.headers["List-Unsubscribe"])[1])
    click = urlsplit(re.search(r'href="(http[^"]+/m/c/[^"]+)"', message.body_html)[1])
    # Whoever follows the link lands where the mail pointed; the matrix checks it is the same
    # for everyone, logged in or not.
    target = clients["anonymous"].get(click.path)["Location"]
    pixel = urlsplit(re.search(r'src="(http[^"]+/m/o/[^"]+)"', message.body_html)[1])
    forged = "forged-token"

    rows = [
        Row("unsubscribe page", unsubscribe.path, expect(everyone=200)),
        Row(
            "unsubscribe forged",
            reverse("storefront:unsubscribe", args=[forged]),
            expect(everyone=NOT_FOUND),
        ),
        Row(
            "click",
            click.path,
            expect(everyone=f"redirect:{target}"),
        ),
        Row("click forged", reverse("storefront:mail_click", args=[forged]), expect(everyone=404)),
        Row("open pixel", pixel.path, expect(everyone=200)),
        Row("open forged", reverse("storefront:mail_open", args=[forged]), expect(everyone=200)),
    ]

    assert check_matrix(rows, clients, {}) == []
