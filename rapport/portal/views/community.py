"""Staff: the community Q&A moderation queue, a question with all its answers (hidden ones
too), staff answers, accepting, hiding and showing."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.community import queries, services
from rapport.community.access import get_answer_for_staff, get_question_for_staff
from rapport.community.services import CommunityError
from rapport.core.access import employee_required


@employee_required
@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    show = "hidden" if request.GET.get("show") == "hidden" else "reported"
    return render(
        request,
        "portal/community/queue.html",
        {
            "show": show,
            "questions": queries.moderation_queue(show=show),
            "recent": queries.recent_questions(limit=20),
            "open_reports": queries.open_report_count(),
        },
    )


@employee_required
@require_http_methods(["GET", "POST"])
def question_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """A question with every answer; POST posts a staff answer (marked as staff)."""
    question = get_question_for_staff(request.user, public_id)
    if request.method == "POST":
        try:
            services.post_answer(
                user=request.user, question=question, body=request.POST.get("body", "")
            )
        except CommunityError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your answer is published, marked as from staff."))
        return redirect("portal:community_question", public_id=question.public_id)
    return render(
        request,
        "portal/community/question.html",
        {
            "question": question,
            "answers": queries.answers_for(question, request.user),
            "reports": queries.open_reports_for(question),
        },
    )


@employee_required
@require_POST
def question_moderate(request: HttpRequest, public_id: str) -> HttpResponse:
    question = get_question_for_staff(request.user, public_id)
    action = request.POST.get("action", "")
    if action in ("hide", "show"):
        services.set_question_hidden(actor=request.user, question=question, hidden=action == "hide")
    elif action == "keep":
        services.dismiss_reports(actor=request.user, question=question)
    return redirect("portal:community_question", public_id=question.public_id)


@employee_required
@require_POST
def answer_moderate(request: HttpRequest, public_id: str) -> HttpResponse:
    answer = get_answer_for_staff(request.user, public_id)
    action = request.POST.get("action", "")
    try:
        if action in ("hide", "show"):
            services.set_answer_hidden(actor=request.user, answer=answer, hidden=action == "hide")
        elif action == "keep":
            services.dismiss_reports(actor=request.user, answer=answer)
        elif action == "accept":
            services.accept_answer(user=request.user, answer=answer)
    except CommunityError as exc:
        messages.error(request, str(exc))
    return redirect("portal:community_question", public_id=answer.question.public_id)
