"""What a search engine and the site checker read in a page's head: one title and description a
page (listing page 2 is not page 1 again), a description on every public page, and `noindex` on
the pages that are nobody's search result (sign-in, cart, search results, checkout...)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from rapport.accounts.roles import EMPLOYEE
from rapport.catalog.tests.factories import CategoryFactory, ProductFactory
from rapport.support import knowledge
from rapport.support.models import ArticleCategory

pytestmark = pytest.mark.django_db

PAGE_2_ZH = "第 2 页"
NOINDEX = '<meta name="robots" content="noindex">'


def head(client: Client, url: str, **params: str) -> tuple[str, str | None, bool]:
    response = client.get(url, params)
    assert response.status_code == 200, url
    html = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    description = re.search(r'<meta name="description" content="([^"]*)">', html)
    return (
        title.group(1).strip() if title else "",
        description.group(1) if description else None,
        NOINDEX in html,
    )


def test_listing_pages_have_their_own_title_and_description(client):
    category = CategoryFactory(slug="mugs", name="MUGS", description="Mugs for every morning.")
    ProductFactory.create_batch(30, category=category)
    url = reverse("storefront:category", kwargs={"slug": "mugs"})

    first = head(client, url)
    second = head(client, url, page="2")

    assert first[0].startswith("MUGS · ") and "Page" not in first[0]
    assert first[1] == "Mugs for every morning."
    assert second[0].startswith("MUGS · Page 2 · ")
    assert second[1] == "Page 2: Mugs for every morning."
    assert not first[2] and not second[2]  # listings are for search engines


def test_listing_page_title_in_chinese(client):
    category = CategoryFactory(slug="cups", name="CUPS")
    ProductFactory.create_batch(30, category=category)
    url = reverse("storefront:category", kwargs={"slug": "cups"})
    client.cookies["django_language"] = "zh-hans"
    title, description, _ = head(client, url, page="2")
    assert PAGE_2_ZH in title
    assert description is not None and description.startswith(PAGE_2_ZH)


@pytest.mark.parametrize(
    "name", ["storefront:login", "storefront:register", "storefront:cart", "storefront:search"]
)
def test_pages_that_are_nobodys_search_result_say_noindex(client, name):
    assert head(client, reverse(name), q="mug")[2]


def test_public_pages_have_a_description(client, make_user):
    category = ArticleCategory.objects.create(slug="orders", name="Orders")
    article = knowledge.save_article(
        actor=make_user("kb@staff.example.com", role=EMPLOYEE),
        category=category,
        title="Gift wrap",
        body="<p>We wrap every gift by hand, free of charge.</p>",
        intents=["place_order"],
        publish=True,
    )

    home = head(client, reverse("storefront:home"))
    help_home = head(client, reverse("storefront:help"))
    help_article = head(client, reverse("storefront:help_article", kwargs={"slug": article.slug}))
    community = head(client, reverse("storefront:community"))

    assert home[1] and not home[2]
    assert help_home[1] and "Help centre" in help_home[1] and not help_home[2]
    assert help_article[1] == "We wrap every gift by hand, free of charge."
    assert community[1] and "Community Q&A" in community[1]


def test_a_cached_listing_page_reads_no_products_for_its_title(client):
    """The title and description name the page without evaluating the listing: a listing
    served from its cached fragment runs no product query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.catalog.models import Product

    category = CategoryFactory(slug="jugs", name="JUGS")
    ProductFactory.create_batch(30, category=category)
    url = reverse("storefront:category", kwargs={"slug": "jugs"})
    client.get(url, {"page": "2"})
    with CaptureQueriesContext(connection) as queries:
        title, _, _ = head(client, url, page="2")
    assert title.startswith("JUGS · Page 2 · ")
    products = Product._meta.db_table
    assert not [q["sql"] for q in queries.captured_queries if f'FROM "{products}"' in q["sql"]]
