"""Knowledge-base and support reads: search, articles for an intent, related articles, cases."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from rapport.support.models import (
    Article,
    ArticleCategory,
    ArticleStatus,
    CaseStatus,
    InboundMail,
    IntentArticle,
    SupportCase,
)

SEARCH_CONFIG = "english"
MAX_TERMS = 8
RANK_CANDIDATES = 500
# PostgreSQL search: the first RANK_CANDIDATES matches carry their vector out and are ranked.
SEARCH_SQL = (
    "SELECT id, public_id, slug, title, body, category_id, ts_rank(search_vector, q) AS rank"
    " FROM (SELECT id, public_id, slug, title, body, category_id, search_vector"
    "  FROM support_article WHERE status = %s"
    "  AND search_vector @@ websearch_to_tsquery(%s::regconfig, %s) LIMIT %s) AS found,"
    " websearch_to_tsquery(%s::regconfig, %s) AS q"
    " ORDER BY rank DESC, id LIMIT %s"
)


def published() -> QuerySet[Article]:
    return Article.objects.filter(status=ArticleStatus.PUBLISHED)


def categories_with_articles() -> list[ArticleCategory]:
    """Categories that have published articles, each with `.published` (title order)."""
    result = []
    for category in ArticleCategory.objects.all():
        articles = list(published().filter(category=category).order_by("title")[:50])
        if articles:
            category.published = articles  # type: ignore[attr-defined]
            result.append(category)
    return result


def search_articles(query: str, *, limit: int = 20) -> list[Article]:
    """Published articles matching `query`, best first.

    PostgreSQL: full-text search (websearch syntax, English stemming) on the stored vector of
    title (weight A) and text (B), GIN-indexed (migrations 0002, 0003), ranked by ts_rank
    among at most RANK_CANDIDATES matches.
    SQLite: every word must appear in the title or text (case-insensitive), titles first.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return []
    if connection.vendor == "postgresql":
        # One pass: the first RANK_CANDIDATES matches (GIN index, or a scan that stops there)
        # carry their vector out of the subquery and are ranked there, so a query of common
        # words costs bounded work and no row is read twice (docs/performance.md, issue 23).
        sql = SEARCH_SQL
        params = [
            ArticleStatus.PUBLISHED,
            SEARCH_CONFIG,
            query,
            RANK_CANDIDATES,
            SEARCH_CONFIG,
            query,
            limit,
        ]
        return list(Article.objects.raw(sql, params))
    words = [w for w in query.split() if len(w) > 1][:MAX_TERMS] or query.split()[:1]
    matches = published()
    for word in words:
        matches = matches.filter(Q(title__icontains=word) | Q(body__icontains=word))
    in_title = Q()
    for word in words:
        in_title &= Q(title__icontains=word)
    found = list(matches.filter(in_title).order_by("id")[:limit])
    if len(found) < limit:
        seen = [a.pk for a in found]
        found += list(matches.exclude(pk__in=seen).order_by("id")[: limit - len(found)])
    return found


def articles_for_intent(intent: str, *, limit: int = 3) -> list[Article]:
    """Published articles linked to an intent, the automatic answer first."""
    links = (
        IntentArticle.objects.filter(intent=intent, article__status=ArticleStatus.PUBLISHED)
        .select_related("article")
        .order_by("position", "id")[:limit]
    )
    return [link.article for link in links]


def answer_for_intent(intent: str) -> Article | None:
    found = articles_for_intent(intent, limit=1)
    return found[0] if found else None


def related_articles(article: Article, *, limit: int = 4) -> list[Article]:
    """Articles sharing an intent with this one, then others of its category."""
    intents = list(IntentArticle.objects.filter(article=article).values_list("intent", flat=True))
    related = list(
        published()
        .filter(intent_links__intent__in=intents)
        .exclude(pk=article.pk)
        .distinct()
        .order_by("title")[:limit]
    )
    if len(related) < limit:
        related += list(
            published()
            .filter(category_id=article.category_id)
            .exclude(pk__in=[article.pk, *[a.pk for a in related]])
            .order_by("title")[: limit - len(related)]
        )
    return related


def intents_of(article: Article) -> list[str]:
    return list(IntentArticle.objects.filter(article=article).values_list("intent", flat=True))


def staff_cases(*, team: str = "", status: str = "") -> QuerySet[SupportCase]:
    """Support cases for the portal list, newest first, optionally by team and status."""
    cases = SupportCase.objects.select_related("customer", "lead", "assignee")
    if team:
        cases = cases.filter(team=team)
    cases = cases.filter(status=status) if status else cases.exclude(status=CaseStatus.CLOSED)
    return cases.order_by("-created_at", "-id")


def recent_inbound(limit: int = 50) -> QuerySet[InboundMail]:
    return InboundMail.objects.defer("raw").select_related("customer", "lead")[:limit]
