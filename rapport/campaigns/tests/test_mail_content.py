"""What a campaign mail says: its products (rendered once a batch) and working signed links."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rapport.campaigns.models import AudienceKind
from rapport.campaigns.sending import read_topic_token
from rapport.campaigns.services import save_campaign, send_campaign, start_campaign
from rapport.catalog.tests.factories import ProductFactory
from rapport.customers.models import Consent, Purpose
from rapport.customers.tests.factories import contactable
from rapport.inventory.models import StockRecord
from rapport.messaging import tokens
from rapport.messaging.models import Message
from rapport.messaging.rendering import CLICK_PATH, UNSUBSCRIBE_PATH, absolute, token_url

pytestmark = pytest.mark.django_db


def test_every_mail_lists_the_products_and_links_back(client):
    products = [ProductFactory(name=f"Kite & string {i}") for i in range(2)]
    for product in products:
        StockRecord.objects.create(product=product, quantity=5)
    people = [contactable(email=f"m{i}@example.com", allow_tracking=i == 0) for i in range(3)]
    campaign = save_campaign(
        actor=None,
        name="Spring",
        audience_kind=AudienceKind.LIST,
        audience_list="\n".join(p.email for p in people),
        variants=[("Hello {name}", "Spring is here, {name}.")],
        products=products,
        control_percent=0,
        personal_products=False,
    )
    send_campaign(campaign=start_campaign(campaign=campaign, actor=None))

    messages = list(Message.objects.filter(customer__in=people).order_by("customer_id"))
    assert len(messages) == 3
    for message in messages:
        for product in products:
            url = absolute(product.get_absolute_url())
            # Plain text: no HTML escaping; money as people write it.
            assert f"- Kite & string {product.name[-1]} (£2.55): {url}" in message.body_text
            assert f">Kite &amp; string {product.name[-1]}</a>" in message.body_html
        topic_link = re.search(r"https?://\S+/m/t/(\S+)/", message.body_text)
        assert topic_link and read_topic_token(topic_link.group(1))["c"] == str(
            message.customer.public_id
        )
    tracked, plain = messages[0], messages[1]
    assert f'href="{absolute(products[0].get_absolute_url())}"' in plain.body_html
    clicks = re.findall(r'href="[^"]*/m/c/([^"/]+)/"', tracked.body_html)
    followed = {tokens.read_click(token)[1] for token in clicks}  # type: ignore[index]
    assert absolute(products[1].get_absolute_url()) in followed
    # The filled-in links work: the click redirects, the unsubscribe link unsubscribes.
    response = client.get(reverse("storefront:mail_click", args=[clicks[0]]))
    assert response.status_code == 302
    unsubscribe = re.search(r"<(http[^>]+)>", tracked.headers["List-Unsubscribe"])
    assert unsubscribe is not None
    response = client.post(
        unsubscribe.group(1).removeprefix(absolute("")), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert not Consent.objects.get(
        contact_point__customer=tracked.customer, purpose=Purpose.MARKETING
    ).granted


@pytest.mark.parametrize("token", ["abc:DEF-_.1", "with space", "ünï:cøde"])
def test_filled_in_token_links_equal_reverse(token):
    for pattern in (CLICK_PATH, UNSUBSCRIBE_PATH):
        assert token_url(pattern, token) == absolute(reverse(pattern.viewname, args=[token]))


def test_real_tokens_need_no_escaping():
    click = tokens.make_click("0b5c", "https://example.com/p/a-b/?x=1&y=2")
    assert token_url(CLICK_PATH, click) == absolute(reverse("storefront:mail_click", args=[click]))
    assert tokens.read_click(click) == ("0b5c", "https://example.com/p/a-b/?x=1&y=2")


def test_kept_signers_follow_the_secret_key(settings):
    old = tokens.make("x", tokens.OPEN_SALT)
    click = tokens.make_click("x", "https://example.com/")
    settings.SECRET_KEY = "a-different-secret-key-for-this-test-only-0123456789"
    assert tokens.read(old, tokens.OPEN_SALT) is None
    assert tokens.read_click(click) is None
    assert tokens.read(tokens.make("x", tokens.OPEN_SALT), tokens.OPEN_SALT) == "x"
    assert tokens.read_click(tokens.make_click("x", "https://example.com/")) == (
        "x",
        "https://example.com/",
    )


def test_click_tokens_bind_the_message_and_the_url():
    click = tokens.make_click("0b5c", "https://example.com/p/a/")
    value, _, signature = click.rpartition(":")
    other_message = tokens.make_click("0b5d", "https://example.com/p/a/")
    other_url = tokens.make_click("0b5c", "https://evil.example/")
    # Either half of one token with the other half of another is refused.
    assert tokens.read_click(f"{other_message.rpartition(':')[0]}:{signature}") is None
    assert tokens.read_click(f"{other_url.rpartition(':')[0]}:{signature}") is None
    assert tokens.read_click(f"{value}:{signature[:-1]}x") is None
    assert tokens.read_click(click) == ("0b5c", "https://example.com/p/a/")


def test_click_tokens_mailed_before_the_cheaper_format_still_work(client):
    from django.core import signing

    person = contactable(email="old@example.com")
    message = Message.objects.create(
        customer=person,
        template="news",
        purpose=Purpose.MARKETING,
        language="en",
        to_address="old@example.com",
        subject="Old mail",
        body_text="",
        message_id="<old@example.com>",
        next_attempt_at="2026-01-01T00:00:00Z",
    )
    old = signing.dumps(
        {"m": str(message.public_id), "u": "https://example.com/old/"},
        salt=tokens.CLICK_SALT,
        compress=True,
    )
    assert tokens.read_click(old) == (str(message.public_id), "https://example.com/old/")
    response = client.get(reverse("storefront:mail_click", args=[old]))
    assert response.status_code == 302
    assert response["Location"] == "https://example.com/old/"
    message.refresh_from_db()
    assert message.clicked_at is not None
