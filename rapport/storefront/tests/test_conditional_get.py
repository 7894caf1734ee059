"""Conditional GET for the pages first-time visitors share (the site checker's re-crawl, a
browser's revisit): an unchanged page answers 304 without a body, and every change the page
shows gives it a new validator; pages that differ per visitor get none."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.catalog.services import retire_product, update_product
from rapport.catalog.tests.factories import CategoryFactory, ProductFactory
from rapport.feedback.models import ProductReview, ReviewStatus
from rapport.feedback.services import refresh_summary
from rapport.inventory.models import MoveReason
from rapport.inventory.services import adjust_stock

pytestmark = pytest.mark.django_db


CSRF_COOKIE = "c" * 32


def visit(url: str, etag: str | None = None, **headers: str):
    """A visitor with no session yet (only the CSRF cookie a first page gave them, or the one
    the site checker sends), optionally with `If-None-Match`."""
    if etag is not None:
        headers["HTTP_IF_NONE_MATCH"] = etag
    client = Client()
    client.cookies["csrftoken"] = CSRF_COOKIE
    return client.get(url, **headers)


def first_tag(url: str) -> str:
    response = visit(url)
    assert response.status_code == 200
    tag = response["ETag"]
    again = visit(url, tag)
    assert again.status_code == 304
    assert again.content == b""
    return tag


@pytest.fixture
def product():
    return ProductFactory(name="ENAMEL MUG", price=Decimal("4.50"))


def test_an_unchanged_product_page_answers_304_with_the_same_validator(product):
    url = product.get_absolute_url()
    tag = first_tag(url)
    assert visit(url)["ETag"] == tag
    # A validator that is not the page's own gets the page.
    assert visit(url, '"something-else"').status_code == 200


def test_a_price_change_gives_the_product_page_a_new_validator(product, people):
    url = product.get_absolute_url()
    tag = first_tag(url)
    update_product(product=product, actor=people["manager"], price=Decimal("5.25"))
    response = visit(url, tag)
    assert response.status_code == 200
    assert "5.25" in response.content.decode()
    assert response["ETag"] != tag


def test_a_stock_change_gives_the_product_page_a_new_validator(product, people):
    url = product.get_absolute_url()
    tag = first_tag(url)
    adjust_stock(product=product, delta=3, reason=MoveReason.RESTOCK, actor=people["manager"])
    response = visit(url, tag)
    assert response.status_code == 200
    assert "3 in stock" in response.content.decode()
    assert response["ETag"] != tag


def test_a_new_review_gives_the_product_page_a_new_validator(product):
    url = product.get_absolute_url()
    tag = first_tag(url)
    ProductReview.objects.create(
        product=product,
        stars=5,
        text="Lovely",
        status=ReviewStatus.PUBLISHED,
        written_at=timezone.now(),
    )
    refresh_summary(product)
    response = visit(url, tag)
    assert response.status_code == 200
    assert "5.0 out of 5 from 1 review" in response.content.decode()
    assert response["ETag"] != tag


def test_another_products_edit_keeps_the_validator_and_its_category_row_changes_it(
    product, people, django_capture_on_commit_callbacks
):
    url = product.get_absolute_url()
    tag = first_tag(url)
    other = ProductFactory(name="TEAPOT", category=product.category)
    with django_capture_on_commit_callbacks(execute=True):  # the catalogue version moves
        update_product(product=other, actor=people["manager"], price=Decimal("20.00"))
    assert visit(url, tag).status_code == 304
    category = product.category
    category.name = "Enamelware"
    category.save()
    response = visit(url, tag)
    assert response.status_code == 200
    assert "Enamelware" in response.content.decode()


def test_a_configurator_gives_the_product_page_a_new_validator(
    product, people, django_capture_on_commit_callbacks
):
    from rapport.configurator.editor import make_configurable

    url = product.get_absolute_url()
    adjust_stock(product=product, delta=2, reason=MoveReason.RESTOCK, actor=people["manager"])
    tag = first_tag(url)
    with django_capture_on_commit_callbacks(execute=True):  # the shared copy goes stale
        make_configurable(product=product, actor=people["manager"])
    response = visit(url, tag)
    assert response.status_code == 200
    assert "Choose your options" in response.content.decode()


def test_a_retired_product_is_not_answered_304(product, people):
    url = product.get_absolute_url()
    tag = first_tag(url)
    retire_product(product=product, actor=people["manager"])
    response = visit(url, tag)
    assert response.status_code == 200  # its archived page, in full
    assert not response.has_header("ETag")


def test_the_language_is_part_of_the_validator(product):
    url = product.get_absolute_url()
    tag = first_tag(url)
    chinese = visit(url, tag, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200
    assert chinese["ETag"] != tag
    assert visit(url, chinese["ETag"], HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 304


def test_a_visitor_with_another_csrf_cookie_gets_the_page_with_a_token_of_its_own(product):
    url = product.get_absolute_url()
    tag = first_tag(url)
    client = Client()
    client.cookies["csrftoken"] = "a" * 32
    response = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 200
    assert response["ETag"] != tag


def test_signed_in_visitors_and_sessions_get_no_validator(product, clients):
    url = product.get_absolute_url()
    tag = first_tag(url)
    signed_in = clients["customer"].get(url, HTTP_IF_NONE_MATCH=tag)
    assert signed_in.status_code == 200
    assert not signed_in.has_header("ETag")
    with_session = Client()
    with_session.cookies["sessionid"] = "whatever"
    with_session.cookies["csrftoken"] = CSRF_COOKIE
    assert with_session.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_redirects_and_missing_pages_get_no_validator(product):
    wrong = reverse(
        "storefront:product", kwargs={"public_id": product.public_id, "slug": "old-name"}
    )
    assert visit(wrong).status_code == 301
    assert not visit(wrong).has_header("ETag")
    missing = reverse("storefront:category", kwargs={"slug": "nope"})
    assert visit(missing).status_code == 404
    assert not visit(missing).has_header("ETag")


def test_a_listing_follows_the_catalogue_and_filtered_listings_get_no_validator(
    people, django_capture_on_commit_callbacks
):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    mugs = CategoryFactory(name="Mugs", slug="mugs", parent=kitchen)
    mug = ProductFactory(name="SPOTTY MUG", category=mugs, price=Decimal("3.00"))
    url = reverse("storefront:category", kwargs={"slug": "kitchen"})
    tag = first_tag(url)
    assert first_tag(url + "?page=2") != tag
    # A product of a subcategory changes its price: the department's listing changes.
    with django_capture_on_commit_callbacks(execute=True):
        update_product(product=mug, actor=people["manager"], price=Decimal("3.50"))
    changed = visit(url, tag)
    assert changed.status_code == 200
    assert "3.50" in changed.content.decode()
    # A new review (the card shows the rating) and a retired product each change it again.
    tag = first_tag(url)
    ProductReview.objects.create(
        product=mug, stars=4, status=ReviewStatus.PUBLISHED, written_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        refresh_summary(mug)
    reviewed = visit(url, tag)
    assert reviewed.status_code == 200
    assert "4.0 out of 5 from 1 review" in reviewed.content.decode()
    tag = reviewed["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        retire_product(product=mug, actor=people["manager"])
    assert visit(url, tag).status_code == 200
    # The category itself renamed.
    tag = first_tag(url)
    kitchen.name = "Cookware"
    kitchen.save()
    assert "Cookware" in visit(url, tag).content.decode()
    # Filters (stock, price) and the "popular" order follow more than product rows.
    for query in ("?in_stock=1", "?min=1", "?sort=popular"):
        assert not visit(url + query).has_header("ETag")


def test_a_visitor_without_a_csrf_cookie_gets_no_validator(product):
    """Their page is drawn with a new CSRF cookie; a 304 would leave someone who cleared their
    cookies but not their cache with forms whose token matches no cookie."""
    url = product.get_absolute_url()
    tag = first_tag(url)
    response = Client().get(url, HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 200
    assert "ETag" not in response
    assert response.cookies["csrftoken"].value  # the page came with the cookie its forms need


def test_the_site_checker_sends_one_csrf_cookie_on_every_crawl_and_gets_304s(product):
    from rapport.content.checker.services import checker_settings

    cookie = checker_settings().cookie
    assert cookie == checker_settings().cookie and cookie.startswith("csrftoken=")
    url = product.get_absolute_url()
    client = Client()
    first = client.get(url, HTTP_COOKIE=cookie)
    again = Client().get(url, HTTP_COOKIE=cookie, HTTP_IF_NONE_MATCH=first["ETag"])
    assert first.status_code == 200 and again.status_code == 304
    # The store kept the checker's cookie as it was (it may say so again, with the same value).
    if "csrftoken" in first.cookies:
        assert "csrftoken=" + first.cookies["csrftoken"].value == cookie
