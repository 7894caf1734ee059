"""Managers manage staff accounts (and customers' VIP status). Every change is audit-logged by
the service that makes it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts import lockout, queries
from rapport.accounts.access import get_staff_member_for, staff_visible_to
from rapport.accounts.backends import STAFF
from rapport.accounts.errors import AccountError
from rapport.accounts.forms import RoleForm, StaffCreateForm, VipForm
from rapport.accounts.roles import ROLES
from rapport.accounts.services import staff as staff_services
from rapport.core.access import manager_required
from rapport.customers import services as customer_services
from rapport.customers.access import get_customer_for


@manager_required
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    members = queries.staff_list(staff_visible_to(request.user))
    return render(request, "portal/staff/list.html", {"members": members})


@manager_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = staff_services.create_staff_member(
                actor=request.user, request=request, **form.cleaned_data
            )
        except AccountError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, _("Account created; a set-password link was emailed."))
            return redirect("portal:staff_detail", pk=member.pk)
    return render(request, "portal/staff/create.html", {"form": form})


@manager_required
@require_http_methods(["GET"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_staff_member_for(request.user, pk)
    roles = [g.name for g in member.groups.all() if g.name in ROLES]
    role = roles[-1] if roles else ""
    context = {
        "member": member,
        "role": role,
        "role_form": RoleForm(initial={"role": role}),
        "has_2fa": staff_services.two_factor_enrolled(member),
        "login_delayed": lockout.is_delayed(email=member.email, entrance=STAFF),
    }
    return render(request, "portal/staff/detail.html", context)


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    member = get_staff_member_for(request.user, pk)
    try:
        action(member)
    except AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("portal:staff_detail", pk=member.pk)


@manager_required
@require_POST
def staff_role(request: HttpRequest, pk: int) -> HttpResponse:
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("portal:staff_detail", pk=get_staff_member_for(request.user, pk).pk)
    return _act(
        request,
        pk,
        lambda m: staff_services.change_staff_role(
            actor=request.user, member=m, role=form.cleaned_data["role"], request=request
        ),
        _("Role changed."),
    )


@manager_required
@require_POST
def staff_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda m: staff_services.deactivate_staff_member(
            actor=request.user, member=m, request=request
        ),
        _("Account deactivated."),
    )


@manager_required
@require_POST
def staff_reset_2fa(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda m: staff_services.reset_staff_two_factor(
            actor=request.user, member=m, request=request
        ),
        _("Two-factor login reset: they enrol a new device at their next login."),
    )


@manager_required
@require_POST
def staff_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda m: lockout.unlock_staff_login(actor=request.user, member=m, request=request),
        _("Sign-in delays lifted: they can try their password again at once."),
    )


@manager_required
@require_POST
def staff_send_link(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda m: staff_services.send_enrolment_link(actor=request.user, member=m, request=request),
        _("A new set-password link was emailed."),
    )


@manager_required
@require_http_methods(["GET", "POST"])
def customer_vip(request: HttpRequest, public_id: str) -> HttpResponse:
    customer = get_customer_for(request.user, public_id)
    form = VipForm(request.POST or None, initial={"is_vip": customer.is_vip})
    if request.method == "POST" and form.is_valid():
        customer_services.set_vip(
            customer=customer,
            is_vip=form.cleaned_data["is_vip"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("VIP status saved."))
        return redirect("portal:customer_vip", public_id=customer.public_id)
    return render(request, "portal/staff/vip.html", {"customer": customer, "form": form})
