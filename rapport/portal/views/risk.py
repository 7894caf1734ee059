"""Manager pages for order risk (issue 19): the review queue of held orders, one order's risk
with its reasons and the approve / cancel decision, and the editable fraud rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.access import manager_required
from rapport.orders.lifecycle import OrderError
from rapport.payments.services import PaymentError
from rapport.risk import queries
from rapport.risk.access import get_assessment_for
from rapport.risk.models import ReviewStatus
from rapport.risk.rules import RULES
from rapport.risk.services import (
    RiskError,
    approve_held_order,
    cancel_held_order,
    current_rules,
    current_settings,
    save_risk_rules,
)


@manager_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ReviewStatus.HELD)
    if status not in ReviewStatus.values:
        status = ReviewStatus.HELD
    rows = [
        (a, queries.stick_reasons(a), queries.fraud_reasons(a))
        for a in queries.review_queue(status)[:200]
    ]
    return render(
        request,
        "portal/risk/queue.html",
        {"rows": rows, "status": status, "statuses": ReviewStatus.choices},
    )


@manager_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    assessment = get_assessment_for(request.user, public_id)
    return render(
        request,
        "portal/risk/detail.html",
        {
            "a": assessment,
            "order": assessment.order,
            "stick_reasons": queries.stick_reasons(assessment),
            "fraud_reasons": queries.fraud_reasons(assessment),
        },
    )


@manager_required
@require_POST
def decide(request: HttpRequest, public_id: str) -> HttpResponse:
    assessment = get_assessment_for(request.user, public_id)
    note = request.POST.get("note", "")[:500]
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            approve_held_order(order=assessment.order, actor=request.user, note=note)
            messages.success(request, _("Order approved: it can be fulfilled."))
        elif decision == "cancel":
            cancel_held_order(order=assessment.order, actor=request.user, note=note)
            messages.success(request, _("Order cancelled and refunded."))
        else:
            messages.error(request, _("Choose approve or cancel."))
    except (RiskError, OrderError, PaymentError) as exc:
        messages.error(request, str(exc))
    return redirect("portal:risk_detail", public_id=assessment.order.public_id)


@manager_required
def rules(request: HttpRequest) -> HttpResponse:
    rows = list(zip(current_rules(), RULES, strict=True))
    threshold = current_settings().hold_threshold
    if request.method == "POST":
        try:
            threshold = int(request.POST.get("threshold", ""))
            values = {
                rule.code: (
                    int(request.POST.get(f"{rule.code}-weight", "")),
                    Decimal(request.POST.get(f"{rule.code}-parameter", "")),
                    request.POST.get(f"{rule.code}-active") == "on",
                )
                for rule, _spec in rows
            }
        except (ValueError, InvalidOperation):
            messages.error(request, _("Weights and the threshold are whole numbers."))
        else:
            try:
                save_risk_rules(actor=request.user, threshold=threshold, rules=values)
            except RiskError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Risk rules saved."))
                return redirect("portal:risk_rules")
    return render(request, "portal/risk/rules.html", {"rows": rows, "threshold": threshold})
