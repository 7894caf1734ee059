"""The home page's news blocks are rendered and cached with the segments version: a page that is
published or unpublished (in the admin, or by `publish_scheduled` at its go-live time) makes them
stale. This is cache upkeep only — no business flow hangs on these signals."""

from __future__ import annotations

from typing import Any

from wagtail.signals import page_published, page_unpublished

from rapport.segments import cache as segments_cache


def news_changed(**kwargs: Any) -> None:
    segments_cache.bump_version()


def connect() -> None:
    page_published.connect(news_changed, dispatch_uid="content-news-published")
    page_unpublished.connect(news_changed, dispatch_uid="content-news-unpublished")
