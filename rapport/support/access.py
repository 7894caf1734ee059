"""Access helpers: which knowledge-base articles and support cases a user may see."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.support.models import Article, ArticleStatus, SupportCase


def get_article_for(user: Any, slug: str) -> Article:
    """A published article (anyone may read it; drafts are previewed in the portal)."""
    article = (
        Article.objects.select_related("category")
        .filter(slug=slug, status=ArticleStatus.PUBLISHED)
        .first()
    )
    if article is None:
        raise Http404
    return article


def get_article_for_staff(user: Any, public_id: Any) -> Article:
    if not is_employee(user):
        raise Http404
    article = Article.objects.select_related("category").filter(public_id=public_id).first()
    if article is None:
        raise Http404
    return article


def get_case_for(user: Any, public_id: Any) -> SupportCase:
    """Support cases are staff work: staff see every case, nobody else any. Http404 otherwise."""
    if not is_employee(user):
        raise Http404
    case = (
        SupportCase.objects.select_related("customer", "lead", "inbound", "assignee")
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise Http404
    return case
