"""Staff pages of the customer record: list, 360° view, upkeep actions and data rights."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.roles import is_manager
from rapport.core.access import employee_required, manager_required
from rapport.customers import queries
from rapport.customers.access import get_contact_point_for_staff, get_customer_for_staff
from rapport.customers.models import Customer, Interest, Occupation
from rapport.customers.services import (
    CustomerError,
    erase_customer,
    export_customer_data,
    mark_contact_point_failed,
    merge_customers,
    restore_customer,
    retire_customer,
    save_choice,
    set_choice_active,
)
from rapport.payments.queries import wallet_balance
from rapport.quotes.queries import quotes_of


@employee_required
def customer_list(request: HttpRequest) -> HttpResponse:
    include_retired = request.GET.get("retired") == "1"
    page = queries.search_customers(
        request.GET.get("q", ""), include_retired=include_retired, page=request.GET.get("page", 1)
    )
    return render(
        request,
        "portal/customers/list.html",
        {
            "page": page,
            "q": request.GET.get("q", ""),
            "include_retired": include_retired,
            "is_manager": is_manager(request.user),
        },
    )


@employee_required
def customer_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    customer = get_customer_for_staff(request.user, public_id)
    kinds = [k for k in request.GET.getlist("kind") if k in queries.TIMELINE_KINDS]
    return render(
        request,
        "portal/customers/detail.html",
        {
            "customer": customer,
            "contact_points": queries.contact_points_with_consent(customer),
            "interests": list(customer.interests.all()),
            "summary": queries.customer_summary(customer),
            "timeline": queries.timeline(customer, kinds=kinds, page=request.GET.get("page", 1)),
            "kinds": queries.TIMELINE_KINDS,
            "selected_kinds": kinds,
            "duplicates": queries.duplicate_candidates(customer),
            "is_manager": is_manager(request.user),
            "quotes": list(quotes_of(customer, request.user)[:10]),
            "wallet_balance": wallet_balance(customer),
        },
    )


def _back(customer: Customer) -> HttpResponse:
    return redirect("portal:customer_detail", public_id=customer.public_id)


@employee_required
@require_POST
def contact_point_fail(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    customer = get_customer_for_staff(request.user, public_id)
    point = get_contact_point_for_staff(request.user, customer, pk)
    try:
        mark_contact_point_failed(
            contact_point=point, reason=request.POST.get("reason", ""), actor=request.user
        )
    except CustomerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Contact point marked failed."))
    return _back(customer)


@employee_required
@require_POST
def retire(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    customer = get_customer_for_staff(request.user, public_id)
    try:
        retire_customer(
            customer=customer, reason=request.POST.get("reason", ""), actor=request.user
        )
    except CustomerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Record retired."))
    return _back(customer)


@employee_required
@require_POST
def restore(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    customer = get_customer_for_staff(request.user, public_id)
    try:
        restore_customer(customer=customer, actor=request.user)
    except CustomerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Record restored."))
    return _back(customer)


@manager_required
def merge(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """GET: preview what moves; POST: merge `other` into this record (the survivor)."""
    survivor = get_customer_for_staff(request.user, public_id)
    other_id = request.POST.get("other") or request.GET.get("other") or ""
    try:
        loser = get_customer_for_staff(request.user, uuid.UUID(other_id))
    except ValueError as exc:
        raise Http404 from exc
    if request.method == "POST":
        try:
            merge_customers(survivor=survivor, loser=loser, actor=request.user)
        except CustomerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Records merged."))
        return _back(survivor)
    return render(
        request,
        "portal/customers/merge.html",
        {
            "survivor": survivor,
            "loser": loser,
            "survivor_summary": queries.customer_summary(survivor),
            "loser_summary": queries.customer_summary(loser),
            "loser_points": list(loser.contact_points.all()),
            "loser_entries": loser.timeline_entries.count(),
            "loser_interests": list(loser.interests.all()),
        },
    )


@manager_required
@require_POST
def export(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    customer = get_customer_for_staff(request.user, public_id)
    data = export_customer_data(customer=customer, actor=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.public_id}.json"'
    return response


@manager_required
def erase(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """GET: a confirmation page that says what goes and what stays; POST: erase."""
    customer = get_customer_for_staff(request.user, public_id)
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            messages.error(request, _("Type “erase” to confirm."))
            return redirect("portal:customer_erase", public_id=customer.public_id)
        try:
            erase_customer(
                customer=customer, actor=request.user, reason=request.POST.get("reason", "")
            )
        except CustomerError as exc:
            messages.error(request, str(exc))
            return redirect("portal:customer_erase", public_id=customer.public_id)
        messages.success(request, _("Personal data erased."))
        return _back(customer)
    return render(request, "portal/customers/erase.html", {"customer": customer})


@manager_required
def choices(request: HttpRequest) -> HttpResponse:
    """The managed choice lists behind the profiling chips (occupations, interests)."""
    if request.method == "POST":
        try:
            save_choice(
                kind=request.POST.get("kind", ""),
                name=request.POST.get("name", ""),
                name_zh_hans=request.POST.get("name_zh_hans", ""),
                slug=request.POST.get("slug", ""),
                actor=request.user,
            )
        except CustomerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Saved."))
        return redirect("portal:customer_choices")
    return render(
        request,
        "portal/customers/choices.html",
        {"occupations": Occupation.objects.all(), "interests": Interest.objects.all()},
    )


@manager_required
@require_POST
def choice_toggle(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    try:
        set_choice_active(
            kind=kind, slug=slug, active=request.POST.get("active") == "1", actor=request.user
        )
    except CustomerError as exc:
        raise Http404 from exc
    return redirect("portal:customer_choices")
