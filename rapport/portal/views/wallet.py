"""Staff: a customer's store-credit wallet and top-ups."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.core.access import employee_required, manager_required
from rapport.customers.models import Customer
from rapport.payments import queries
from rapport.payments.models import TopUpRequest
from rapport.payments.services import PaymentError
from rapport.payments.topups import decide_top_up, pending_top_ups, request_top_up


class TopUpForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=Decimal("0.01"),
        max_value=Decimal(100000),
        decimal_places=2,
    )
    note = forms.CharField(label=_("Reason"), max_length=200, required=False)


@employee_required
@require_http_methods(["GET", "POST"])
def wallet(request: HttpRequest, public_id: str) -> HttpResponse:
    customer = get_object_or_404(Customer, public_id=public_id)
    form = TopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = request_top_up(
                customer=customer,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except PaymentError as exc:
            form.add_error(None, str(exc))
        else:
            if outcome.entry is not None:
                messages.success(request, _("Store credit added."))
            else:
                messages.info(
                    request,
                    _("Over your top-up limit: it waits for a manager's approval."),
                )
            return redirect("portal:wallet", public_id=customer.public_id)
    return render(
        request,
        "portal/wallet/wallet.html",
        {
            "customer": customer,
            "balance": queries.wallet_balance(customer),
            "entries": queries.wallet_entries(customer),
            "form": form,
            "TOPUP_APPROVAL_OVER": settings.RAPPORT_TOPUP_APPROVAL_OVER,
            "TOPUP_DAILY_LIMIT": settings.RAPPORT_TOPUP_DAILY_LIMIT,
        },
        status=400 if form.errors else 200,
    )


@manager_required
@require_GET
def top_up_approvals(request: HttpRequest) -> HttpResponse:
    """Managers: top-ups over an employee's limits, waiting for approval."""
    return render(request, "portal/wallet/approvals.html", {"pending": pending_top_ups()})


@manager_required
@require_POST
def top_up_decide(request: HttpRequest, pk: int) -> HttpResponse:
    pending = get_object_or_404(TopUpRequest, pk=pk)
    try:
        approve = request.POST.get("approve") == "1"
        decide_top_up(request=pending, approve=approve, actor=request.user)
    except PaymentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("portal:top_up_approvals")
