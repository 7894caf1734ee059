"""Staff: support cases routed by intent, the support inbox, and the knowledge base."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.core.access import employee_required
from rapport.support import inbound, knowledge, queries
from rapport.support.access import get_article_for_staff, get_case_for
from rapport.support.intents.catalogue import INTENT_CHOICES, Team, label_for
from rapport.support.models import Article, ArticleCategory, CaseStatus


@employee_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    team = request.GET.get("team", "")
    team = team if team in Team.values else ""
    status = request.GET.get("status", "")
    status = status if status in CaseStatus.values else ""
    page = Paginator(queries.staff_cases(team=team, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/support/cases.html",
        {
            "page": page,
            "team": team,
            "status": status,
            "teams": Team.choices,
            "statuses": CaseStatus.choices,
        },
    )


@employee_required
@require_GET
def case_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    case = get_case_for(request.user, public_id)
    return render(
        request,
        "portal/support/case.html",
        {
            "case": case,
            "intent_label": label_for(case.intent) if case.intent else "",
            "suggested": list(case.suggested.all()),
        },
    )


@employee_required
@require_POST
def case_close(request: HttpRequest, public_id: str) -> HttpResponse:
    case = get_case_for(request.user, public_id)
    try:
        inbound.close_case(
            case=case, actor=request.user, answered=request.POST.get("answered") == "1"
        )
    except inbound.SupportError as exc:
        messages.error(request, str(exc))
    return redirect("portal:support_case", public_id=case.public_id)


@employee_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/support/inbox.html", {"mails": queries.recent_inbound(100)})


@employee_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.select_related("category").order_by("category__position", "title")
    return render(request, "portal/support/articles.html", {"articles": articles})


def _article_form(request: HttpRequest, article: Article | None) -> HttpResponse:
    categories = list(ArticleCategory.objects.all())
    error = ""
    if request.method == "POST":
        category = next(
            (c for c in categories if str(c.pk) == request.POST.get("category", "")), None
        )
        action = request.POST.get("action", "save")
        try:
            if category is None:
                raise knowledge.KnowledgeError(_("Choose a category."))
            saved = knowledge.save_article(
                actor=request.user,
                article=article,
                category=category,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                intents=request.POST.getlist("intents"),
                publish={"publish": True, "unpublish": False}.get(action),
            )
        except knowledge.KnowledgeError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("portal:kb_article", public_id=saved.public_id)
    return render(
        request,
        "portal/support/article_form.html",
        {
            "article": article,
            "categories": categories,
            "intent_choices": INTENT_CHOICES,
            "selected": queries.intents_of(article) if article is not None else [],
            "revisions": article.revisions.select_related("author")[:20] if article else [],
            "error": error,
            "posted": request.POST if error else None,
        },
        status=400 if error else 200,
    )


@employee_required
@require_http_methods(["GET", "POST"])
def article_create(request: HttpRequest) -> HttpResponse:
    return _article_form(request, None)


@employee_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    return _article_form(request, get_article_for_staff(request.user, public_id))
