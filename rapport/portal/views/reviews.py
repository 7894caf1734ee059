"""Staff: product reviews — read, reply, hide or show."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from rapport.core.access import employee_required
from rapport.feedback.access import get_review_for_staff
from rapport.feedback.models import ReviewStatus
from rapport.feedback.queries import staff_reviews
from rapport.feedback.services import moderate_review


@employee_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ReviewStatus.values else ""
    page = Paginator(staff_reviews(status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/reviews/list.html",
        {"page": page, "status": status, "statuses": ReviewStatus.choices},
    )


@employee_required
@require_POST
def review_moderate(request: HttpRequest, public_id: str) -> HttpResponse:
    review = get_review_for_staff(request.user, public_id)
    action = request.POST.get("action", "")
    moderate_review(
        review=review,
        actor=request.user,
        hide={"hide": True, "show": False}.get(action),
        reply=request.POST.get("reply", ""),
    )
    return redirect("portal:reviews")
