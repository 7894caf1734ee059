"""The shared anonymous header is the header the template gives, with the visitor's own query."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse

from rapport.storefront.context_processors import store_urls

pytestmark = pytest.mark.django_db


def header_of(page: str) -> str:
    return page[page.index('<header class="site-header">') : page.index("</header>") + 9]


def test_anonymous_header_is_the_template_rendered_for_this_query(client, settings):
    query = 'lamp "<b>&'
    page = client.get(reverse("storefront:search"), {"q": query}).content.decode()

    expected = render_to_string(
        "storefront/_header.html",
        {
            "user": AnonymousUser(),
            "store_urls": store_urls(),
            "SITE_NAME": settings.RAPPORT_SITE_NAME,
            "query": query,
        },
    )
    assert header_of(page) == header_of(expected)
    assert 'value="lamp &quot;&lt;b&gt;&amp;"' in header_of(page)  # escaped, once


def test_signed_in_visitors_get_their_own_header(client, people):
    anonymous = header_of(client.get(reverse("storefront:cart")).content.decode())
    assert "Log in" in anonymous and reverse("storefront:login") in anonymous

    client.force_login(people["customer"])
    signed_in = header_of(client.get(reverse("storefront:cart")).content.decode())
    assert "Log out" in signed_in and "Log in" not in signed_in
    assert reverse("storefront:orders") in signed_in

    client.logout()
    assert header_of(client.get(reverse("storefront:cart")).content.decode()) == anonymous
