"""The kept header and footer (`storefront_chrome`) are what the templates give, with the
visitor's own query and CSRF token."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from rapport.core import testing
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


def footer_of(page: str) -> str:
    return page[page.index('<footer class="site-footer">') : page.index("</footer>") + 9]


def csrf_tokens(fragment: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', fragment)


def test_signed_in_header_and_footer_are_the_templates_with_this_pages_token(
    client, people, settings
):
    """The kept header and footer of a signed-in customer are what the templates give, and their
    forms (log out, language) carry the page's own CSRF token, which the store accepts."""
    settings.DEBUG = False
    testing.login_customer(client, people["customer"])
    client.get(reverse("storefront:cart"))  # the first page renders and keeps them
    page = client.get(reverse("storefront:search"), {"q": "oak <b>"}).content.decode()
    token = csrf_tokens(page)[0]
    context = {
        "user": people["customer"],
        "store_urls": store_urls(),
        "SITE_NAME": settings.RAPPORT_SITE_NAME,
        "query": "oak <b>",
        "csrf_token": token,
    }
    assert header_of(page) == header_of(render_to_string("storefront/_header.html", context))
    assert footer_of(page) == footer_of(render_to_string("storefront/_footer.html", context))
    assert 'id="rapport-prices"' in footer_of(page)  # signed-in only
    assert set(csrf_tokens(header_of(page)) + csrf_tokens(footer_of(page))) == {token}

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies = client.cookies
    logout = csrf_client.post(reverse("storefront:logout"), {"csrfmiddlewaretoken": token})
    assert logout.status_code == 302
    assert "Log in" in header_of(csrf_client.get(reverse("storefront:cart")).content.decode())


def test_each_kind_of_visitor_keeps_its_own_header(clients, settings):
    settings.DEBUG = False
    headers = {
        actor: header_of(clients[actor].get(reverse("storefront:cart")).content.decode())
        for actor in ("anonymous", "customer", "employee", "anonymous", "customer")
    }
    assert "Log in" in headers["anonymous"] and "Log out" not in headers["anonymous"]
    assert "Log out" in headers["customer"] and "Log in" not in headers["customer"]
    assert "Log out" not in headers["employee"] and "Log in" not in headers["employee"]
    footer = footer_of(clients["anonymous"].get(reverse("storefront:cart")).content.decode())
    assert 'id="rapport-prices"' not in footer
