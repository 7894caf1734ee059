"""Staff: a customer's credit rating (reasons, override, invoices) and the credit policy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.core.access import employee_required, manager_required
from rapport.credit import queries, services
from rapport.credit.models import COMPONENTS, GRADE_ORDER, Grade, Invoice
from rapport.customers.access import get_customer_for_staff


class OverrideForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("Grade"),
        choices=[("", _("No override (computed grade)")), *Grade.choices],
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


COMPONENT_LABELS = {
    "punctuality": _("Punctuality on credit terms"),
    "cancellations": _("Cancellations and refused cash on delivery"),
    "returns": _("Returns"),
    "tenure": _("Tenure"),
    "history": _("Order history"),
    "contacts": _("Verified contact points"),
    "value": _("Value"),
}
TERM_LABELS = {
    "cod_limit": _("Cash on delivery up to"),
    "credit_days": _("Credit days"),
    "credit_limit": _("Credit limit"),
}


@employee_required
@require_http_methods(["GET"])
def customer_credit(request: HttpRequest, public_id: str) -> HttpResponse:
    customer = get_customer_for_staff(request.user, public_id)
    rating = queries.rating_for(customer)
    return render(
        request,
        "portal/credit/customer.html",
        {
            "customer": customer,
            "rating": rating,
            "reasons": [queries.reason_text(r) for r in (rating.reasons if rating else [])],
            "terms": queries.payment_terms(customer),
            "invoices": queries.invoices_for(customer),
            "form": OverrideForm(initial={"grade": rating.override_grade if rating else ""}),
        },
    )


@manager_required
@require_POST
def customer_credit_override(request: HttpRequest, public_id: str) -> HttpResponse:
    customer = get_customer_for_staff(request.user, public_id)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.override_rating(
                customer=customer,
                grade=form.cleaned_data["grade"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except services.CreditError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Credit rating updated."))
    else:
        messages.error(request, _("Choose a grade from A to E."))
    return redirect("portal:customer_credit", public_id=customer.public_id)


@employee_required
@require_POST
def invoice_paid(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = Invoice.objects.select_related("customer").filter(public_id=public_id).first()
    if invoice is None:
        raise Http404
    customer = get_customer_for_staff(request.user, invoice.customer.public_id)
    try:
        services.record_invoice_paid(invoice=invoice, actor=request.user)
    except services.CreditError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Payment recorded."))
    return redirect("portal:customer_credit", public_id=customer.public_id)


def _policy_fields(data: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    weights = {n: data.get(f"weight_{n}", "") for n in COMPONENTS}
    thresholds = {g: data.get(f"threshold_{g}", "") for g in GRADE_ORDER[:-1]}
    terms = {g: {k: data.get(f"{k}_{g}", "") for k in TERM_LABELS} for g in GRADE_ORDER}
    return weights, thresholds, terms


@manager_required
@require_http_methods(["GET", "POST"])
def credit_policy(request: HttpRequest) -> HttpResponse:
    policy = services.get_policy()
    error = ""
    if request.method == "POST":
        weights, thresholds, terms = _policy_fields(request.POST)
        try:
            services.update_policy(
                weights=weights, thresholds=thresholds, terms=terms, actor=request.user
            )
        except services.CreditError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Credit policy saved; ratings follow at the next refresh."))
            return redirect("portal:credit_policy")
    return render(
        request,
        "portal/credit/policy.html",
        {
            "weights": [(n, COMPONENT_LABELS[n], policy.weights.get(n, 0)) for n in COMPONENTS],
            "grades": [
                (
                    g,
                    policy.thresholds.get(g, "") if g != "E" else None,
                    [(k, TERM_LABELS[k], policy.terms.get(g, {}).get(k, "")) for k in TERM_LABELS],
                )
                for g in GRADE_ORDER
            ],
            "error": error,
        },
        status=400 if error else 200,
    )
