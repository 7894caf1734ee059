"""Reads for content: the news a home-page block shows, staff search over the archive."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from rapport.content.models import ArticlePage, FeaturedProduct, NewsPage

NEWS_LIMIT = 4


def latest_news(topic: str = "", limit: int = NEWS_LIMIT) -> list[NewsPage]:
    """Published, non-archived news, newest first; of one topic when given. Each item carries
    `shown_products`: its featured products that are still on sale."""
    news = NewsPage.objects.live().filter(archived_at__isnull=True)
    if topic:
        news = news.filter(topic=topic)
    items = list(
        news.select_related("image")
        .prefetch_related(
            Prefetch(
                "featured_products",
                queryset=FeaturedProduct.objects.select_related("product").order_by("sort_order"),
            )
        )
        .order_by("-first_published_at", "-pk")[: max(1, min(limit, 12))]
    )
    for item in items:
        item.shown_products = [
            f.product for f in item.featured_products.all() if f.product.is_active
        ]
    return items


def archive_search(query: str = "", *, archived_only: bool = True) -> QuerySet[ArticlePage]:
    """Content pages for staff: archived ones by default, matching a title or slug."""
    pages = ArticlePage.objects.all()
    if archived_only:
        pages = pages.filter(archived_at__isnull=False)
    query = query.strip()
    if query:
        pages = pages.filter(Q(title__icontains=query) | Q(slug__icontains=query))
    return pages.order_by("-archived_at", "title")
