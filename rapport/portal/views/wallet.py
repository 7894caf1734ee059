"""Staff: a customer's store-credit wallet and top-ups."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from rapport.core.access import employee_required
from rapport.customers.models import Customer
from rapport.payments import queries
from rapport.payments.services import PaymentError, top_up_wallet


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
            top_up_wallet(
                customer=customer,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except PaymentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Store credit added."))
            return redirect("portal:wallet", public_id=customer.public_id)
    return render(
        request,
        "portal/wallet/wallet.html",
        {
            "customer": customer,
            "balance": queries.wallet_balance(customer),
            "entries": queries.wallet_entries(customer),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
