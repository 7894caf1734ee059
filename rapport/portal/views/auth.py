"""The unadvertised staff entrance: password, then the second factor (enrolled at first login).

Nothing here tells a visitor anything: a failed login, a stale form or a missing half-login all
land on the public storefront home. The form page is `no-store` and carries a one-time token, so
a form reached with the back button is dead (and staff-login.js replaces it with the home page).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts import sessions
from rapport.accounts.backends import STAFF
from rapport.accounts.errors import InvalidCode
from rapport.accounts.forms import CodeForm, EntranceLoginForm, ServicePasswordForm
from rapport.accounts.services import customer_accounts, staff, two_factor
from rapport.core.access import staff_session_ok


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0"
    response["Pragma"] = "no-cache"
    return response


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if staff_session_ok(request):
        return redirect("portal:dashboard")
    if request.method == "POST":
        expected = request.session.pop(sessions.FORM_NONCE_KEY, None)
        given = request.POST.get("form_token", "")
        if not expected or not secrets.compare_digest(str(expected), given):
            return redirect("storefront:home")  # a replayed or back-navigated form: dead
        form = EntranceLoginForm(request, STAFF, data=request.POST)
        if form.is_valid() and form.user is not None:
            user = form.user
            sessions.begin_pending(request, user, STAFF)
            if two_factor.has_two_factor(user):
                return redirect("portal:login_verify")
            return redirect("portal:login_enrol")
        customer_accounts.record_login(
            entrance=STAFF, succeeded=False, email=request.POST.get("username", ""), request=request
        )
        return redirect("storefront:home")
    token = secrets.token_urlsafe(24)
    request.session[sessions.FORM_NONCE_KEY] = token
    form = EntranceLoginForm(request, STAFF)
    return _no_store(render(request, "portal/auth/login.html", {"form": form, "token": token}))


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """Second step: a code from the authenticator app, or one recovery code."""
    user = sessions.pending_user(request, STAFF)
    if user is None or not two_factor.has_two_factor(user):
        return redirect("storefront:home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify_second_factor(
                user=user, code=form.cleaned_data["code"], request=request
            )
        except InvalidCode:
            form.add_error("code", _("That code is not right (or was already used)."))
        else:
            sessions.complete_login(request, user, device)
            customer_accounts.record_login(
                entrance=STAFF, succeeded=True, email=user.email, user=user, request=request
            )
            return redirect("portal:dashboard")
    return _no_store(render(request, "portal/auth/verify.html", {"form": form}))


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_enrol(request: HttpRequest) -> HttpResponse:
    """First login (or after a manager reset it): set up the authenticator app."""
    user = sessions.pending_user(request, STAFF)
    if user is None or two_factor.has_two_factor(user):
        return redirect("storefront:home")
    device = two_factor.start_totp_enrolment(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.confirm_totp_enrolment(
                user=user, code=form.cleaned_data["code"], request=request
            )
        except InvalidCode:
            form.add_error("code", _("That code is not right: try the next one."))
        else:
            sessions.complete_login(request, user, device)
            customer_accounts.record_login(
                entrance=STAFF, succeeded=True, email=user.email, user=user, request=request
            )
            request.session[sessions.RECOVERY_CODES_KEY] = codes
            return redirect("portal:recovery_codes")
    context = {
        "form": form,
        "qr_svg": two_factor.qr_svg(device),
        "manual_key": two_factor.manual_key(device),
    }
    return _no_store(render(request, "portal/auth/enrol.html", context))


@never_cache
@require_http_methods(["GET"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Recovery codes, shown once right after enrolment."""
    codes = request.session.pop(sessions.RECOVERY_CODES_KEY, None)
    if not codes or not staff_session_ok(request):
        return redirect("storefront:home")
    return _no_store(render(request, "portal/auth/recovery_codes.html", {"codes": codes}))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("storefront:home")


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Set the first password from the emailed one-time link (Django's reset-token check)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_str
    from django.utils.http import urlsafe_base64_decode

    from rapport.accounts.models import User

    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        member: Any = User.objects.filter(pk=pk, is_staff=True, is_active=True).first()
    except (ValueError, TypeError, OverflowError):
        member = None
    if member is None or not default_token_generator.check_token(member, token):
        return redirect("storefront:home")

    def save_with(*, user: Any, password: str) -> Any:
        return staff.set_staff_password(member=user, password=password, request=request)

    form = ServicePasswordForm(member, request.POST or None, save_with=save_with)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("portal:login")
    return _no_store(render(request, "portal/auth/enrol_password.html", {"form": form}))
