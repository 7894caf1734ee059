"""Staff: draft orders — every draft (made offline on a device, through the API or here),
one draft with its lines at the customer's prices, edit it, place it, discard it."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.checkout.services import CheckoutError
from rapport.core.access import employee_required
from rapport.drafts import queries
from rapport.drafts.access import get_draft_for_staff
from rapport.drafts.models import DraftOrder, DraftStatus
from rapport.drafts.services import DraftError, discard_draft, place_draft, save_draft
from rapport.inventory.services import OutOfStock
from rapport.payments.services import PaymentError

EMPTY_ROWS = 2


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


@employee_required
@require_GET
def draft_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    drafts = queries.drafts_for(request.user, status=status if status in DraftStatus else "")
    page = Paginator(drafts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/drafts/list.html",
        {"page": page, "status": status, "statuses": DraftStatus.choices},
    )


def _detail(request: HttpRequest, draft: DraftOrder, error: str = "") -> HttpResponse:
    lines, total = queries.priced_lines(draft)
    return render(
        request,
        "portal/drafts/detail.html",
        {
            "draft": draft,
            "lines": lines,
            "total": total,
            "options": queries.placing_options(draft, total),
            "empty_rows": range(EMPTY_ROWS),
            "error": error,
        },
        status=400 if error else 200,
    )


@employee_required
@require_GET
def draft_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail(request, get_draft_for_staff(request.user, public_id))


@employee_required
@require_POST
def draft_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    draft = get_draft_for_staff(request.user, public_id)
    try:
        save_draft(
            actor=request.user,
            customer=draft.customer,
            lines=queries.lines_from_rows(
                request.POST.getlist("sku"),
                request.POST.getlist("quantity"),
                request.POST.getlist("remove"),
            ),
            note=request.POST.get("note", ""),
            base_version=_version(request),
            draft_id=draft.public_id,
        )
    except DraftError as exc:
        return _detail(request, get_draft_for_staff(request.user, public_id), str(exc))
    messages.success(request, _("Draft saved."))
    return redirect("portal:draft_detail", public_id=draft.public_id)


@employee_required
@require_POST
def draft_place(request: HttpRequest, public_id: str) -> HttpResponse:
    draft = get_draft_for_staff(request.user, public_id)
    address = draft.customer.addresses.filter(public_id__in=[request.POST.get("address")]).first()
    if request.POST.get("address") and address is None:
        return _detail(request, draft, _("Choose one of the customer's delivery addresses."))
    try:
        order = place_draft(
            draft=draft,
            actor=request.user,
            base_version=_version(request),
            address=address,
            shipping_method=request.POST.get("shipping_method", "standard"),
            payment_method=request.POST.get("payment_method", ""),
        )
    except (DraftError, CheckoutError, OutOfStock, PaymentError) as exc:
        return _detail(request, get_draft_for_staff(request.user, public_id), str(exc))
    messages.success(request, _("Order %(number)s placed.") % {"number": order.number})
    return redirect("portal:order", order.public_id)


@employee_required
@require_POST
def draft_discard(request: HttpRequest, public_id: str) -> HttpResponse:
    draft = get_draft_for_staff(request.user, public_id)
    try:
        discard_draft(draft=draft, actor=request.user, base_version=_version(request))
    except DraftError as exc:
        return _detail(request, draft, str(exc))
    messages.success(request, _("Draft discarded."))
    return redirect("portal:drafts")
