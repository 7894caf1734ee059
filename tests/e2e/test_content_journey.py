"""A writer writes a news item featuring a product and submits it; a second editor publishes it;
it appears on the home page of a customer who follows that topic (real Chromium, Wagtail admin
behind the staff entrance)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from rapport.accounts.roles import EMPLOYEE
from rapport.catalog.tests.factories import ProductFactory
from rapport.content.models import NewsPage
from rapport.content.roles import EDITOR, WRITER
from rapport.content.setup import ensure_content_site
from rapport.core import testing
from rapport.customers.models import Customer
from rapport.segments.models import BlockKind, NewsTopic, SegmentKind
from rapport.segments.services import (
    add_block,
    add_static_members,
    save_personalisation,
    save_segment,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _staff_context(browser, live_server, user):
    client = Client()
    testing.login_staff(client, user)
    context = browser.new_context(base_url=live_server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_writer_writes_editor_publishes_customer_sees_it(
    browser, live_server, make_user, password, artifacts_dir
):
    home = ensure_content_site()
    news_index = home.get_children().get(slug="news")
    product = ProductFactory(name="Copper kettle")
    writer = make_user("wren@staff.example.com", role=EMPLOYEE)
    writer.groups.add(Group.objects.get(name=WRITER))
    editor = make_user("edda@staff.example.com", role=EMPLOYEE)
    editor.groups.add(Group.objects.get(name=EDITOR))
    fan_user = make_user("fan@example.com")
    fan = Customer.objects.create(user=fan_user, email=fan_user.email, name="Fan Follower")
    segment = save_segment(actor=None, name="Everyone", kind=SegmentKind.STATIC)
    add_static_members(actor=None, segment=segment, customers=[fan])
    add_block(
        actor=None, segment=segment, kind=BlockKind.NEWS, title="Offers", topic=NewsTopic.OFFERS
    )
    save_personalisation(
        actor=None, customer=fan, theme="light", hidden_blocks=[], news_topics=["offers"]
    )

    # The writer drafts the news item with a featured product and submits it for review.
    context = _staff_context(browser, live_server, writer)
    page = context.new_page()
    page.goto(f"/{_staff_path()}/content/pages/add/content/newspage/{news_index.pk}/")
    page.locator("#id_title").fill("Kettle week")
    page.locator("#id_topic").select_option("offers")
    page.locator("#id_intro").fill("Ten percent off copper kettles.")
    page.locator(".public-DraftEditor-content").first.click()
    page.keyboard.type("Our kettles are hand made.")
    page.get_by_role("button", name="Add featured products").click()
    modal = page.locator(".modal-content")
    modal.get_by_label("Copper kettle").check()
    modal.get_by_role("button", name="Confirm selection").click()
    page.locator("[data-chooser-title]", has_text="Copper kettle").wait_for()
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Submit to Editor review").click()
    page.locator(".messages", has_text="submitted").wait_for()
    context.close()
    item = NewsPage.objects.get(slug="kettle-week")
    assert not item.live
    assert [f.product_id for f in item.featured_products.all()] == [product.pk]

    # The editor approves it: published.
    context = _staff_context(browser, live_server, editor)
    page = context.new_page()
    page.goto(f"/{_staff_path()}/content/pages/{item.pk}/edit/")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Approve").first.click()
    page.locator(".messages", has_text="Kettle week").wait_for()
    context.close()
    item.refresh_from_db()
    assert item.live

    # The customer who follows "offers" sees it on the home page, with the product linked.
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/login/")
    page.locator("#id_username").fill("fan@example.com")
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto("/")
    news = page.locator('[data-news="kettle-week"]')
    news.wait_for()
    assert (
        news.get_by_role("link", name="Copper kettle").get_attribute("href")
        == product.get_absolute_url()
    )
    page.screenshot(path=str(artifacts_dir / "content-news-on-home.png"))
    context.close()


def _staff_path():
    from django.conf import settings

    return settings.RAPPORT_STAFF_PATH
