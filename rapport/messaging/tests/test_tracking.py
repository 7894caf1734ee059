"""One-click unsubscribe, open pixel and click redirect (signed, refusable, on the timeline)."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from rapport.core.models import AuditEntry
from rapport.customers.models import Consent, Purpose
from rapport.customers.tests.factories import contactable
from rapport.messaging.services import queue_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0


def _news(customer, link="https://shop.example.com/c/candles/?a=1&b=2"):
    return queue_message(
        customer=customer,
        template="news",
        context={"body": "New", "link_url": link},
        purpose=Purpose.MARKETING,
    )


def _path(url):
    return urlsplit(url).path


def test_one_click_post_unsubscribes_without_login_or_csrf_token():
    customer = contactable()
    message = _news(customer)
    https_url = re.search(r"<(http[^>]+)>", message.headers["List-Unsubscribe"]).group(1)
    mail_provider = Client(enforce_csrf_checks=True)

    response = mail_provider.post(_path(https_url), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    consent = Consent.objects.get(contact_point__customer=customer, purpose=Purpose.MARKETING)
    assert (consent.granted, consent.source) == (False, "one-click unsubscribe")
    assert AuditEntry.objects.filter(customer=customer, action="consent.withdrawn").count() == 1
    # Transactional consent is untouched.
    assert Consent.objects.get(
        contact_point__customer=customer, purpose=Purpose.TRANSACTIONAL
    ).granted


def test_get_on_the_unsubscribe_link_only_asks():
    customer = contactable()
    message = _news(customer)
    url = re.search(r"<(http[^>]+)>", message.headers["List-Unsubscribe"]).group(1)

    response = Client().get(_path(url))

    assert response.status_code == 200
    assert Consent.objects.get(contact_point__customer=customer, purpose=Purpose.MARKETING).granted


def test_forged_unsubscribe_token_is_404_and_changes_nothing():
    customer = contactable()
    _news(customer)

    response = Client().post("/m/u/not-a-token/", {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 404
    assert Consent.objects.get(contact_point__customer=customer, purpose=Purpose.MARKETING).granted


def test_open_and_click_are_recorded_once_and_redirect_only_to_our_link():
    customer = contactable()
    message = _news(customer)
    pixel = re.search(r'<img src="([^"]+)"', message.body_html).group(1)
    tracked = re.findall(r'href="(http[^"]+/m/c/[^"]+)"', message.body_html)

    Client().get(_path(pixel))
    Client().get(_path(pixel))
    responses = [Client().get(_path(url)) for url in tracked]
    Client().get(_path(tracked[1]))  # the same link twice

    assert [r.status_code for r in responses] == [302] * len(tracked)
    assert [r["Location"] for r in responses][:2] == [
        settings.RAPPORT_SITE_URL + "/",
        "https://shop.example.com/c/candles/?a=1&b=2",
    ]
    message.refresh_from_db()
    assert message.opened_at is not None and message.clicked_at is not None
    assert AuditEntry.objects.filter(customer=customer, action="message.opened").count() == 1
    clicks = AuditEntry.objects.filter(customer=customer, action="message.clicked")
    assert clicks.count() == len(tracked)  # each distinct link once


def test_click_endpoint_is_not_an_open_redirect():
    from django.core import signing

    forged = signing.dumps(
        {"m": "x", "u": "https://evil.example/"}, salt="wrong-salt", compress=True
    )

    assert Client().get(f"/m/c/{forged}/").status_code == 404


def test_customer_who_refuses_tracking_gets_no_pixel_and_plain_links():
    customer = contactable(allow_tracking=False)

    message = _news(customer)

    assert "<img" not in message.body_html
    assert "/m/c/" not in message.body_html
    assert 'href="https://shop.example.com/c/candles/?a=1&amp;b=2"' in message.body_html
