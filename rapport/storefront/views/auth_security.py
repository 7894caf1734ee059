"""The customer's account security page: optional two-factor login and recovery codes, and
the devices enrolled for the offline client (listed, revocable: docs/devices.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts import sessions
from rapport.accounts.errors import InvalidCode
from rapport.accounts.forms import CodeForm
from rapport.accounts.services import two_factor
from rapport.devices.access import get_device_for
from rapport.devices.queries import devices_of
from rapport.devices.services import revoke_device
from rapport.storefront.views.auth import TEMPLATES, customer_required


@sensitive_post_parameters("code")
@never_cache
@customer_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    enabled = two_factor.has_two_factor(user)
    context: dict[str, Any] = {
        "enabled": enabled,
        "form": CodeForm(request.POST or None),
        "devices": devices_of(user),
    }
    if not enabled:
        device = two_factor.start_totp_enrolment(user=user)
        if request.method == "POST" and context["form"].is_valid():
            try:
                device, codes = two_factor.confirm_totp_enrolment(
                    user=user, code=context["form"].cleaned_data["code"], request=request
                )
            except InvalidCode:
                context["form"].add_error("code", _("That code is not right: try the next one."))
            else:
                sessions.complete_login(request, user, device)
                request.session[sessions.RECOVERY_CODES_KEY] = codes
                return redirect("storefront:security_codes")
        context.update(
            {"qr_svg": two_factor.qr_svg(device), "manual_key": two_factor.manual_key(device)}
        )
    return render(request, TEMPLATES + "security.html", context)


@never_cache
@customer_required
@require_http_methods(["GET"])
def security_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown exactly once."""
    codes = request.session.pop(sessions.RECOVERY_CODES_KEY, None)
    if not codes:
        return redirect("storefront:security")
    return render(request, TEMPLATES + "recovery_codes.html", {"codes": codes})


@customer_required
@require_POST
def security_disable(request: HttpRequest) -> HttpResponse:
    two_factor.disable_two_factor(user=request.user, request=request)
    messages.success(request, _("Two-factor login is off."))
    return redirect("storefront:security")


@customer_required
@require_POST
def security_new_codes(request: HttpRequest) -> HttpResponse:
    if not two_factor.has_two_factor(request.user):
        return redirect("storefront:security")
    request.session[sessions.RECOVERY_CODES_KEY] = two_factor.regenerate_recovery_codes(
        user=request.user, request=request
    )
    return redirect("storefront:security_codes")


@customer_required
@require_POST
def device_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    """The customer revokes one of their own devices (a lost laptop): its next call is refused."""
    device = get_device_for(request.user, public_id)
    revoke_device(device=device, actor=request.user, request=request)
    messages.success(request, _("The device is revoked: its next call is refused."))
    return redirect("storefront:security")
