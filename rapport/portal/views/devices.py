"""Enrolled devices in the portal (docs/devices.md).

Managers: per person, issue a one-time enrolment code (shown once, on the response), list the
person's devices and revoke them. Every staff member: their own devices ("My devices"), each
with its usage log, and may revoke their own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.roles import is_manager
from rapport.core.access import employee_required, manager_required
from rapport.devices.access import get_device_for, get_person_for_devices
from rapport.devices.queries import devices_of, open_codes_of, usage_of
from rapport.devices.services import issue_enrolment_code, revoke_device


@never_cache
@employee_required
@require_GET
def my_devices(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    context = {"person": user, "devices": devices_of(user), "own": True}
    return render(request, "portal/devices/list.html", context)


@never_cache
@manager_required
@require_http_methods(["GET", "POST"])
def person_devices(request: HttpRequest, public_id: str) -> HttpResponse:
    """A person's devices; POST issues an enrolment code for them, shown on this response only."""
    person = get_person_for_devices(request.user, public_id)
    code = None
    if request.method == "POST":
        code = issue_enrolment_code(person=person, actor=request.user, request=request)
    context = {
        "person": person,
        "devices": devices_of(person),
        "open_codes": open_codes_of(person).count(),
        "code": code,
        "code_hours": settings.RAPPORT_DEVICE_CODE_HOURS,
        "own": person.pk == request.user.pk,
    }
    return render(request, "portal/devices/list.html", context)


@never_cache
@employee_required
@require_GET
def device_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    device = get_device_for(request.user, public_id)
    context = {
        "device": device,
        "usage": usage_of(device),
        "is_manager": is_manager(request.user),
    }
    return render(request, "portal/devices/detail.html", context)


@employee_required
@require_POST
def device_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    device = get_device_for(request.user, public_id)
    revoke_device(device=device, actor=request.user, request=request)
    messages.success(request, _("The device is revoked: its next call is refused."))
    return redirect("portal:device_detail", public_id=device.public_id)
