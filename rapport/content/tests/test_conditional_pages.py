"""Content pages answer a first-time visitor's conditional GET: 304 while nothing they show
changed, the page itself again after an edit is published, a child is published or archived."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.content.services import archive_page
from rapport.content.tests.test_archive import publish_news

pytestmark = pytest.mark.django_db


def visit(url, etag=None, **headers):
    """A visitor with no session yet, holding the CSRF cookie a first page gave them."""
    if etag is not None:
        headers["HTTP_IF_NONE_MATCH"] = etag
    client = Client()
    client.cookies["csrftoken"] = "c" * 32
    return client.get(url, **headers)


def tag_of(url):
    response = visit(url)
    assert response.status_code == 200
    assert visit(url, response["ETag"]).status_code == 304
    return response["ETag"]


def test_a_published_edit_gives_a_content_page_a_new_validator(news_index):
    page = publish_news(news_index, "Spring offer")
    url = page.url
    tag = tag_of(url)
    page.body = "<p>Now with free delivery</p>"
    page.save_revision()  # a draft: the live page has not changed
    assert visit(url, tag).status_code == 304
    page.save_revision().publish()
    response = visit(url, tag)
    assert response.status_code == 200
    assert "Now with free delivery" in response.content.decode()
    assert response["ETag"] != tag


def test_a_section_changes_when_a_child_is_published_or_archived(news_index, editor):
    old = publish_news(news_index, "Old offer")
    url = news_index.url
    tag = tag_of(url)
    publish_news(news_index, "New offer")
    response = visit(url, tag)
    assert response.status_code == 200
    assert "New offer" in response.content.decode()
    tag = response["ETag"]
    archive_page(page=old, actor=editor)
    response = visit(url, tag)
    assert response.status_code == 200
    assert "Old offer" not in response.content.decode()


def test_the_language_is_part_of_a_content_pages_validator(news_index):
    url = publish_news(news_index, "Gift ideas").url
    tag = tag_of(url)
    assert visit(url, tag, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
