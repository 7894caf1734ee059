"""Staff: the returns queue; approve, reject, receive and refund a return."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.aftersales.access import get_return_for
from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.models import ReturnStatus
from rapport.aftersales.queries import staff_returns
from rapport.aftersales.returns import decide_return, receive_return, refund_return
from rapport.core.access import employee_required
from rapport.orders.lifecycle import OrderError
from rapport.payments.services import PaymentError


@employee_required
@require_GET
def return_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ReturnStatus.values else ""
    page = Paginator(staff_returns(status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/returns/list.html",
        {"page": page, "status": status, "statuses": ReturnStatus.choices},
    )


@employee_required
@require_GET
def return_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    rma = get_return_for(request.user, public_id)
    return render(
        request,
        "portal/returns/detail.html",
        {"rma": rma, "lines": rma.lines.select_related("order_line")},
    )


@employee_required
@require_POST
def return_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    rma = get_return_for(request.user, public_id)
    steps = {
        "approve": lambda: decide_return(rma=rma, approve=True, actor=request.user),
        "reject": lambda: decide_return(rma=rma, approve=False, actor=request.user),
        "receive": lambda: receive_return(rma=rma, actor=request.user),
        "refund": lambda: refund_return(rma=rma, actor=request.user),
    }
    if action not in steps:
        raise Http404
    try:
        steps[action]()
    except (AftersalesError, OrderError, PaymentError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Return updated."))
    return redirect("portal:return_detail", public_id=rma.public_id)
