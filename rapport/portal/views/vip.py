"""Managers: VIP proposals from predicted value, confirmed with a reason and an account manager."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.models import User
from rapport.core.access import manager_required
from rapport.customers.access import get_customer_for_staff
from rapport.customervalue import queries, services
from rapport.customervalue.models import VipTier


def _employees() -> list[tuple[str, str]]:
    staff = User.objects.filter(is_active=True, is_staff=True).order_by("email")
    return [(str(u.pk), str(u)) for u in staff]


class ConfirmForm(forms.Form):
    tier = forms.ChoiceField(label=_("VIP tier"), choices=VipTier.choices, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500)
    account_manager = forms.ChoiceField(label=_("Account manager"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["account_manager"].choices = [("", "—"), *_employees()]  # type: ignore[attr-defined]


REASON_LABELS = {
    "predicted": _("Predicted spend, next 12 months: %(value)s"),
    "rank": _("Rank %(rank)s of %(of)s customers by predicted value"),
    "last_year": _("Spend, last 12 months: %(value)s"),
}


LABELS = set(REASON_LABELS)


@manager_required
@require_GET
def vip_proposals(request: HttpRequest) -> HttpResponse:
    rows = [
        (
            row,
            [
                str(REASON_LABELS[r["code"]]) % r
                for r in row.proposal_reasons
                if r["code"] in REASON_LABELS
            ],
            ConfirmForm(initial={"tier": row.proposed_tier}),
        )
        for row in queries.pending_proposals()
    ]
    return render(request, "portal/vip/proposals.html", {"rows": rows})


@manager_required
@require_POST
def vip_confirm(request: HttpRequest, public_id: str) -> HttpResponse:
    customer = get_customer_for_staff(request.user, public_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("portal:vip_proposals")
    manager_id = form.cleaned_data["account_manager"]
    account_manager = User.objects.filter(pk=manager_id).first() if manager_id else None
    try:
        services.confirm_vip(
            customer=customer,
            tier=form.cleaned_data["tier"],
            reason=form.cleaned_data["reason"],
            account_manager=account_manager,
            actor=request.user,
        )
    except services.VipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("VIP tier saved."))
    return redirect("portal:vip_proposals")
