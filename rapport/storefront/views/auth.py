"""The store's entrance for customers: log in/out, register, verify email, reset password,
change email, and the optional second factor. Staff log in only at the staff entrance."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts import sessions
from rapport.accounts.backends import STORE
from rapport.accounts.errors import AccountError, BadLink, InvalidCode, Throttled
from rapport.accounts.forms import (
    CodeForm,
    EmailForm,
    EntranceLoginForm,
    NewEmailForm,
    RegistrationForm,
    ServicePasswordForm,
)
from rapport.accounts.services import customer_accounts, two_factor
from rapport.cart.access import forget_anonymous_cart

View = Callable[..., HttpResponse]
TEMPLATES = "storefront/account/"


def customer_required(view: View) -> View:
    """Customer pages: anonymous people go to the login, staff to the home page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('storefront:login')}?next={request.path}")
        if user.is_staff:
            return redirect("storefront:home")
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request: HttpRequest, fallback: str = "storefront:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = EntranceLoginForm(request, STORE, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid() and form.user is not None:
            user = form.user
            if two_factor.has_two_factor(user):
                sessions.begin_pending(request, user, STORE)
                request.session["rapport_next"] = _safe_next(request)
                return redirect("storefront:login_verify")
            sessions.complete_login(request, user)
            customer_accounts.record_login(
                entrance=STORE, succeeded=True, email=user.email, user=user, request=request
            )
            if not user.email_verified:
                messages.warning(
                    request, _("Please verify your email address: we sent you a link.")
                )
            return redirect(_safe_next(request))
        customer_accounts.record_login(
            entrance=STORE, succeeded=False, email=request.POST.get("username", ""), request=request
        )
    return render(request, TEMPLATES + "login.html", {"form": form, "next": _safe_next(request)})


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """Second step for customers who switched on two-factor login."""
    user = sessions.pending_user(request, STORE)
    if user is None:
        return redirect("storefront:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify_second_factor(
                user=user, code=form.cleaned_data["code"], request=request
            )
        except InvalidCode:
            form.add_error("code", _("That code is not right (or was already used)."))
        else:
            target = request.session.pop("rapport_next", reverse("storefront:home"))
            sessions.complete_login(request, user, device)
            customer_accounts.record_login(
                entrance=STORE, succeeded=True, email=user.email, user=user, request=request
            )
            return redirect(target)
    return render(request, TEMPLATES + "login_verify.html", {"form": form})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    forget_anonymous_cart(request)
    return redirect("storefront:home")


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("storefront:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer_accounts.register_customer(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            name=form.cleaned_data["name"],
            request=request,
        )
        # The same answer whether the address was new or taken, and nobody signed in: the
        # mail tells the owner, and a new account signs in by following its link.
        return redirect("storefront:verify_sent")
    return render(request, TEMPLATES + "register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def verify_sent(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATES + "verify_sent.html", {})


@customer_required
@require_POST
def verify_resend(request: HttpRequest) -> HttpResponse:
    try:
        customer_accounts.resend_verification(user=request.user, request=request)  # type: ignore[arg-type]
    except Throttled:
        messages.error(request, _("We have sent several links already: please wait an hour."))
        return redirect("storefront:home")
    return redirect("storefront:verify_sent")


@require_http_methods(["GET"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user, first_time = customer_accounts.verify_email(token=token, request=request)
    except BadLink:
        return render(request, TEMPLATES + "bad_link.html", {}, status=400)
    # The first click of a new account's link signs it in (registration did not). Never for
    # staff, an account with a second factor, or over someone else's session.
    if (
        first_time
        and not request.user.is_authenticated
        and not user.is_staff
        and not two_factor.has_two_factor(user)
    ):
        sessions.complete_login(request, user)
        customer_accounts.record_login(
            entrance=STORE, succeeded=True, email=user.email, user=user, request=request
        )
    messages.success(request, _("Thank you: your email address is verified."))
    return redirect("storefront:home")


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer_accounts.request_password_reset(
                email=form.cleaned_data["email"], request=request
            )
        except Throttled as exc:
            return render(
                request, TEMPLATES + "throttled.html", {"minutes": exc.minutes}, status=429
            )
        return redirect("storefront:password_reset_sent")
    return render(request, TEMPLATES + "password_reset.html", {"form": form})


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATES + "password_reset_sent.html", {})


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's token check; the new password is set by our service (audit, lockout lifted)."""

    template_name = TEMPLATES + "password_reset_confirm.html"
    success_url = reverse_lazy("storefront:password_reset_complete")
    form_class = ServicePasswordForm

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        return None if user is None or user.is_staff else user

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        request = self.request

        def save_with(*, user: Any, password: str) -> Any:
            return customer_accounts.complete_password_reset(
                user=user, password=password, request=request
            )

        kwargs["save_with"] = save_with
        return kwargs


password_reset_confirm = PasswordResetConfirm.as_view()


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATES + "password_reset_complete.html", {})


@sensitive_post_parameters("password")
@customer_required
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = NewEmailForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer_accounts.request_email_change(
                user=user, new_email=form.cleaned_data["new_email"], request=request
            )
        except AccountError as exc:
            form.add_error("new_email", str(exc))
        else:
            return render(
                request,
                TEMPLATES + "email_change_sent.html",
                {"new_email": form.cleaned_data["new_email"]},
            )
    return render(request, TEMPLATES + "email_change.html", {"form": form})


@require_http_methods(["GET"])
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        customer_accounts.confirm_email_change(token=token, request=request)
    except (BadLink, AccountError):
        return render(request, TEMPLATES + "bad_link.html", {}, status=400)
    messages.success(request, _("Your email address has been changed."))
    return redirect("storefront:home")
