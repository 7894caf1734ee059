"""Community Q&A in the store: topics, questions, answers, votes, acceptance, reports, search,
and the questions block filled into product pages after they load."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.roles import is_employee
from rapport.catalog.queries import sellable_products
from rapport.community import queries, services
from rapport.community.access import get_answer_for, get_question_for, get_topic_for
from rapport.community.models import Topic
from rapport.community.services import CommunityError


@require_GET
def community_home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    return render(
        request,
        "storefront/community/home.html",
        {
            "query": query,
            "results": queries.search_questions(query) if query else None,
            "topics": queries.topics(),
            "recent": [] if query else queries.recent_questions(),
        },
    )


@require_GET
def community_topic(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_topic_for(request.user, slug)
    page = Paginator(queries.questions_for_topic(topic), 20).get_page(request.GET.get("page"))
    return render(request, "storefront/community/topic.html", {"topic": topic, "page": page})


@require_GET
def community_question(request: HttpRequest, public_id: str) -> HttpResponse:
    question = get_question_for(request.user, public_id)
    return render(
        request,
        "storefront/community/question.html",
        {
            "question": question,
            "answers": queries.answers_for(question, request.user),
            "can_accept": services.can_accept(request.user, question),
            "is_staff": is_employee(request.user),
        },
    )


@require_GET
def product_questions(request: HttpRequest, public_id: str) -> HttpResponse:
    """The product's questions with their accepted answers, filled into the product page after
    it loads, so the page stays one query and its shared cached copy holds no questions."""
    product = get_object_or_404(sellable_products(), public_id=public_id)
    return render(
        request,
        "storefront/community/_product.html",
        {"product": product, "questions": queries.questions_for_product(product)},
    )


@login_required
@require_POST
def community_ask(request: HttpRequest) -> HttpResponse:
    product = topic = None
    back = "storefront:community"
    if request.POST.get("product"):
        try:
            product_id = uuid.UUID(request.POST["product"])
        except ValueError:
            return redirect(back)
        product = sellable_products().filter(public_id=product_id).first()
        if product is None:
            return redirect(back)
    else:
        topic = Topic.objects.filter(slug=request.POST.get("topic", ""), is_active=True).first()
    try:
        question = services.ask_question(
            user=request.user,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            product=product,
            topic=topic,
        )
    except CommunityError as exc:
        messages.error(request, str(exc))
        if product is not None:
            return redirect(product.get_absolute_url())
        if topic is not None:
            return redirect("storefront:community_topic", slug=topic.slug)
        return redirect(back)
    messages.success(request, _("Your question is published."))
    return redirect("storefront:community_question", public_id=question.public_id)


@login_required
@require_POST
def community_answer(request: HttpRequest, public_id: str) -> HttpResponse:
    question = get_question_for(request.user, public_id)
    try:
        services.post_answer(
            user=request.user, question=question, body=request.POST.get("body", "")
        )
    except CommunityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you for your answer."))
    return redirect("storefront:community_question", public_id=question.public_id)


@login_required
@require_POST
def community_vote(request: HttpRequest, public_id: str) -> HttpResponse:
    answer = get_answer_for(request.user, public_id)
    try:
        services.vote(user=request.user, answer=answer)
    except CommunityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you for your vote."))
    return redirect("storefront:community_question", public_id=answer.question.public_id)


@login_required
@require_POST
def community_accept(request: HttpRequest, public_id: str) -> HttpResponse:
    answer = get_answer_for(request.user, public_id)
    if not services.can_accept(request.user, answer.question):
        raise PermissionDenied
    try:
        services.accept_answer(user=request.user, answer=answer)
    except CommunityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Answer accepted."))
    return redirect("storefront:community_question", public_id=answer.question.public_id)


@login_required
@require_POST
def community_report_question(request: HttpRequest, public_id: str) -> HttpResponse:
    question = get_question_for(request.user, public_id)
    _report(request, question=question)
    return redirect("storefront:community_question", public_id=question.public_id)


@login_required
@require_POST
def community_report_answer(request: HttpRequest, public_id: str) -> HttpResponse:
    answer = get_answer_for(request.user, public_id)
    _report(request, answer=answer)
    return redirect("storefront:community_question", public_id=answer.question.public_id)


def _report(request: HttpRequest, **target: object) -> None:
    try:
        services.report(user=request.user, reason=request.POST.get("reason", ""), **target)  # type: ignore[arg-type]
    except CommunityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you: staff will look at it."))
