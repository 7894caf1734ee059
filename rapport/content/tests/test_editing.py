"""Editors with roles in the content admin: a writer drafts and submits, cannot publish; an editor
approves (publishes); revisions can be compared and restored; rich text is sanitised; the home
page's news block shows published news of the block's topic with its products."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from rapport.catalog.tests.factories import ProductFactory
from rapport.content.models import NewsPage
from rapport.content.tests.conftest import staff_client
from rapport.customers.models import Customer
from rapport.segments.models import BlockKind, NewsTopic, SegmentKind
from rapport.segments.services import add_block, add_static_members, save_segment

pytestmark = pytest.mark.django_db


def news_form(title: str, product_pk: int | None = None, body: str = "<p>Body</p>", **extra):
    featured = [{"product": product_pk}] if product_pk else []
    return nested_form_data(
        {
            "title": title,
            "slug": title.lower().replace(" ", "-"),
            "topic": NewsTopic.OFFERS,
            "intro": "Short intro",
            "body": rich_text(body),
            "featured_products": inline_formset(featured),
            **extra,
        }
    )


def add_news(client, parent, data):
    url = reverse("wagtailadmin_pages:add", args=("content", "newspage", parent.pk))
    return client.post(url, data)


def test_writer_submits_and_cannot_publish_editor_publishes(news_index, writer, editor):
    product = ProductFactory(name="Copper kettle")
    writer_client = staff_client(writer)

    # "Publish" from a writer is not honoured: the page stays a draft.
    add_news(
        writer_client, news_index, {**news_form("Kettle week", product.pk), "action-publish": "1"}
    )
    page = NewsPage.objects.get(slug="kettle-week")
    assert not page.live
    assert page.featured_products.get().product == product

    # Submitting starts the editor review.
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    writer_client.post(edit_url, {**news_form("Kettle week", product.pk), "action-submit": "1"})
    state = WorkflowState.objects.get(
        object_id=str(page.pk), status=WorkflowState.STATUS_IN_PROGRESS
    )
    page.refresh_from_db()
    assert not page.live

    # The writer cannot approve their own submission; the editor can.
    task_state = state.current_task_state
    approve = reverse(
        "wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk)
    )
    writer_client.post(approve, {"comment": ""})
    page.refresh_from_db()
    assert not page.live
    staff_client(editor).post(approve, {"comment": ""})
    page.refresh_from_db()
    assert page.live


def test_revisions_compare_and_restore(news_index, editor):
    client = staff_client(editor)
    add_news(
        client,
        news_index,
        {**news_form("Spring offer", body="<p>First words</p>"), "action-publish": "1"},
    )
    page = NewsPage.objects.get(slug="spring-offer")
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    client.post(
        edit_url, {**news_form("Spring offer", body="<p>Second words</p>"), "action-publish": "1"}
    )
    page.refresh_from_db()
    assert "Second words" in page.body
    first, second = page.revisions.order_by("created_at", "pk")[:2]

    compare = reverse("wagtailadmin_pages:revisions_compare", args=(page.pk, first.pk, second.pk))
    shown = client.get(compare)
    assert shown.status_code == 200
    assert "First" in shown.content.decode() and "Second" in shown.content.decode()

    # Reverting: the old revision loads into the editor; saving it publishes it again.
    revert = reverse("wagtailadmin_pages:revisions_revert", args=(page.pk, first.pk))
    assert client.get(revert).status_code == 200
    client.post(
        edit_url,
        {
            **news_form("Spring offer", body="<p>First words</p>"),
            "action-publish": "1",
            "revision": first.pk,
        },
    )
    page.refresh_from_db()
    assert "First words" in page.body and "Second words" not in page.body


def test_rich_text_is_sanitised(news_index, editor):
    client = staff_client(editor)
    add_news(client, news_index, {**news_form("Safe news"), "action-publish": "1"})
    page = NewsPage.objects.get(slug="safe-news")
    # Whatever path writes the body, scripts, handlers and javascript: links do not survive.
    page.body = (
        '<p>Hi<script>alert(1)</script><a href="javascript:alert(2)" onclick="x()">x</a>'
        '<img src="x" onerror="alert(3)"></p>'
    )
    page.full_clean()
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert "alert(" not in html and "onclick" not in html and "onerror" not in html
    assert "<p>Hi" in html


def test_xss_in_editor_text_is_escaped(news_index, editor):
    client = staff_client(editor)
    add_news(
        client,
        news_index,
        {
            **news_form("Escaped news", body="<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
            "action-publish": "1",
        },
    )
    page = NewsPage.objects.get(slug="escaped-news")
    html = client.get(page.url).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_home_news_block_shows_published_news_by_topic(news_index, editor, people, clients):
    ann = Customer.objects.get(user=people["customer"])
    manager = people["manager"]
    segment = save_segment(actor=manager, name="All", kind=SegmentKind.STATIC, priority=1)
    add_static_members(actor=manager, segment=segment, customers=[ann])
    add_block(
        actor=manager, segment=segment, kind=BlockKind.NEWS, title="Offers", topic=NewsTopic.OFFERS
    )
    add_block(
        actor=manager, segment=segment, kind=BlockKind.NEWS, title="Events", topic=NewsTopic.EVENTS
    )
    product = ProductFactory(name="Enamel mug")
    assert "Mug days" not in clients["customer"].get("/").content.decode()

    client = staff_client(editor)
    add_news(client, news_index, {**news_form("Mug days", product.pk), "action-publish": "1"})
    add_news(client, news_index, {**news_form("Draft only", product.pk), "action-draft": "1"})

    home = clients["customer"].get("/").content.decode()
    assert "Mug days" in home and "Draft only" not in home
    assert product.get_absolute_url() in home  # the featured product is linked

    # Following only "events" hides the offers block, news included.
    clients["customer"].post(
        reverse("storefront:personalise"), {"theme": "light", "topic": ["events"]}
    )
    assert "Mug days" not in clients["customer"].get("/").content.decode()


def test_page_is_served_with_seo_fields(news_index, editor):
    client = staff_client(editor)
    add_news(
        client,
        news_index,
        {
            **news_form("Seo news"),
            "seo_title": "Best seo title",
            "search_description": "About it",
            "action-publish": "1",
        },
    )
    html = client.get("/news/seo-news/").content.decode()
    assert "<title>Best seo title" in html
    assert '<meta name="description" content="About it">' in html
    assert Page.objects.get(slug="seo-news").url == "/news/seo-news/"


def test_page_without_seo_description_falls_back_to_its_intro_or_its_title(news_index, editor):
    client = staff_client(editor)
    add_news(client, news_index, {**news_form("Plain news"), "action-publish": "1"})

    section = client.get("/news/").content.decode()
    item = client.get("/news/plain-news/").content.decode()

    assert '<meta name="description" content="News at ' in section
    assert '<meta name="description" content="Short intro">' in item
