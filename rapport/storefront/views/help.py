"""The help centre: knowledge-base search and articles, votes, "this didn't help" links."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.roles import is_employee
from rapport.customers.models import Customer
from rapport.support import inbound, knowledge, queries
from rapport.support.access import get_article_for


def _customer(request: HttpRequest) -> Customer | None:
    user = request.user
    if not user.is_authenticated or is_employee(user):
        return None
    return Customer.objects.filter(user=user, erased_at__isnull=True).first()


def _voter(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if not request.session.session_key:
        request.session.save()
    return f"session:{request.session.session_key}"


@require_GET
def help_home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    return render(
        request,
        "storefront/help/home.html",
        {
            "query": query,
            "results": queries.search_articles(query) if query else None,
            "categories": [] if query else queries.categories_with_articles(),
            "support_address": settings.RAPPORT_SUPPORT_ADDRESS,
        },
    )


@require_GET
def help_article(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_article_for(request.user, slug)
    knowledge.record_read(article=article, customer=_customer(request))
    return render(
        request,
        "storefront/help/article.html",
        {
            "article": article,
            "related": queries.related_articles(article),
            "voted": request.GET.get("voted") == "1",
        },
    )


@require_POST
def help_vote(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_article_for(request.user, slug)
    helpful = request.POST.get("helpful") == "yes"
    if knowledge.vote(article=article, voter=_voter(request), helpful=helpful):
        messages.success(request, _("Thank you for telling us."))
    else:
        messages.info(request, _("You already told us about this article."))
    return redirect("storefront:help_article", slug=article.slug)


@require_http_methods(["GET", "POST"])
def help_not_helpful(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an automatic reply: the signed token is the permission (no login needed)."""
    try:
        mail = inbound.inbound_for_token(token)
    except inbound.SupportError as exc:
        return render(request, "storefront/help/not_helpful.html", {"error": str(exc)}, status=404)
    case = None
    if request.method == "POST":
        case = inbound.not_helpful(inbound=mail, actor=request.user)
    return render(request, "storefront/help/not_helpful.html", {"mail": mail, "case": case})
