"""Knowledge-base writes: articles saved as revisions, published, voted on, read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.customers.models import Customer
from rapport.support.intents.catalogue import INTENTS
from rapport.support.models import (
    Article,
    ArticleCategory,
    ArticleRead,
    ArticleRevision,
    ArticleStatus,
    ArticleVote,
    IntentArticle,
)
from rapport.support.queries import SEARCH_CONFIG


class KnowledgeError(Exception):
    """An article change that is refused (shown to the person as it is)."""


def _unique_slug(title: str, exclude: int | None = None) -> str:
    base = slugify(title)[:100] or "article"
    slug, n = base, 2
    others = Article.objects.exclude(pk=exclude) if exclude is not None else Article.objects
    while others.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def save_article(
    *,
    actor: Any,
    category: ArticleCategory,
    title: str,
    body: str,
    intents: list[str] | None = None,
    article: Article | None = None,
    source: str = "",
    publish: bool | None = None,
) -> Article:
    """Create or edit an article; every save adds a revision (the old text is never lost).

    `publish` True publishes, False takes it back to draft, None keeps the status. `intents`
    (when given) replaces the intents the article answers. Raises KnowledgeError for an empty
    title or text or an unknown intent; nothing is written then.
    """
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise KnowledgeError(_("An article needs a title and a text."))
    unknown = [i for i in intents or [] if i not in INTENTS]
    if unknown:
        raise KnowledgeError(_("Unknown intent: %(i)s") % {"i": ", ".join(unknown)})
    with transaction.atomic():
        if article is None:
            article = Article.objects.create(
                category=category,
                slug=_unique_slug(title),
                title=title[:200],
                body=body,
                source=source[:200],
            )
            action = "help.article_created"
        else:
            article = Article.objects.select_for_update().get(pk=article.pk)
            article.category, article.title, article.body = category, title[:200], body
            article.revision = F("revision") + 1
            if source:
                article.source = source[:200]
            action = "help.article_edited"
        if publish is True and article.status != ArticleStatus.PUBLISHED:
            article.status, article.published_at = ArticleStatus.PUBLISHED, timezone.now()
        elif publish is False:
            article.status = ArticleStatus.DRAFT
        article.save()
        article.refresh_from_db()
        ArticleRevision.objects.create(
            article=article,
            number=article.revision,
            title=article.title,
            body=article.body,
            status=article.status,
            author=actor if getattr(actor, "is_authenticated", False) else None,
        )
        refresh_search_vector(article_ids=[article.pk])
        if intents is not None:
            IntentArticle.objects.filter(article=article).exclude(intent__in=intents).delete()
            for intent in intents:
                IntentArticle.objects.get_or_create(
                    intent=intent,
                    article=article,
                    defaults={"position": IntentArticle.objects.filter(intent=intent).count()},
                )
        audit.record(
            action=action,
            actor=actor,
            target=article,
            summary=f"Article “{article.title}” r{article.revision} ({article.status})",
            data={"intents": intents or [], "status": article.status},
        )
        return article


def refresh_search_vector(*, article_ids: list[int] | None = None) -> int:
    """Recompute the stored full-text vector (PostgreSQL only; a no-op on SQLite) of the given
    articles, or of all. Returns how many rows were updated."""
    if connection.vendor != "postgresql":
        return 0
    from django.contrib.postgres.search import SearchVector

    vector = SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="B", config=SEARCH_CONFIG
    )
    rows = (
        Article.objects.all() if article_ids is None else Article.objects.filter(pk__in=article_ids)
    )
    return rows.update(search_vector=vector)


def vote(*, article: Article, voter: str, helpful: bool) -> bool:
    """Record one "was this helpful?" answer; False when this voter already answered."""
    if article.status != ArticleStatus.PUBLISHED or not voter:
        return False
    try:
        with transaction.atomic():
            ArticleVote.objects.create(article=article, voter=voter[:80], helpful=helpful)
            field = "helpful_yes" if helpful else "helpful_no"
            Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
    except IntegrityError:
        return False
    return True


def record_read(*, article: Article, customer: Customer | None) -> None:
    """Count a view; for a signed-in customer remember when they last read it."""
    Article.objects.filter(pk=article.pk).update(views=F("views") + 1)
    if customer is not None:
        ArticleRead.objects.update_or_create(
            customer=customer, article=article, defaults={"read_at": timezone.now()}
        )


def record_reads_before_ticket(
    *, customer: Customer, ticket_label: str, actor: Any, days: int = 14
) -> list[str]:
    """When a customer opens a ticket, put the articles they read lately on their timeline
    (one `ticket.articles_read` entry; none when they read nothing). Returns the titles."""
    since = timezone.now() - timedelta(days=days)
    reads = (
        ArticleRead.objects.filter(customer=customer, read_at__gte=since)
        .select_related("article")
        .order_by("-read_at")[:10]
    )
    titles = [r.article.title for r in reads]
    if titles:
        audit.record(
            action="ticket.articles_read",
            actor=actor,
            customer=customer,
            summary=f"Before {ticket_label} they read: " + "; ".join(titles)[:400],
            data={"articles": [str(r.article.public_id) for r in reads]},
        )
    return titles


def set_intent_articles(*, intent: str, articles: list[Article], actor: Any) -> None:
    """Make `articles` the answers of `intent`, in this order (the first is the auto-reply)."""
    if intent not in INTENTS:
        raise KnowledgeError(_("Unknown intent: %(i)s") % {"i": intent})
    with transaction.atomic():
        IntentArticle.objects.filter(intent=intent).delete()
        for position, article in enumerate(articles):
            IntentArticle.objects.create(intent=intent, article=article, position=position)
        audit.record(
            action="help.intent_articles",
            actor=actor,
            summary=f"Answers of {intent}: " + "; ".join(a.title for a in articles)[:400],
            data={"intent": intent, "articles": [str(a.public_id) for a in articles]},
        )
