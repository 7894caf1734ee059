"""Customer accounts: registration, email verification and change, password reset, login audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from rapport.accounts import lockout, throttle, tokens
from rapport.accounts.backends import STORE
from rapport.accounts.errors import AccountError, BadLink, Throttled
from rapport.accounts.mail import queue_account_mail
from rapport.accounts.models import User
from rapport.core import audit
from rapport.customers import services as customer_services
from rapport.customers.models import Customer


def _customer_of(user: Any) -> Customer | None:
    if user is None:
        return None
    return Customer.objects.filter(user=user).first()


def _normalise(email: str) -> str:
    return (email or "").strip().lower()


def register_customer(
    *, email: str, password: str, name: str = "", request: HttpRequest | None = None
) -> User | None:
    """Create a customer login and its CRM record, and mail a verification link.

    If the address already has an account, nothing is created and the owner of that address is
    told by mail instead, so the form never reveals which addresses have accounts (a password
    hash is computed either way, so both take as long). Nobody is signed in here: the new
    account signs in by following the verification link. Returns the new user, or None when
    the address was taken. The customer service writes the audit entry.
    """
    email = _normalise(email)
    try:
        with transaction.atomic():
            if User.objects.filter(email=email).exists():
                raise IntegrityError("email taken")
            user = User.objects.create_user(email=email, password=password, first_name=name[:150])
            customer_services.create_customer_for_user(user=user, actor=user, name=name)
            _send_verification(user, request)
            return user
    except IntegrityError:
        make_password(password)  # as long as creating the account would have taken
        existing = User.objects.filter(email=email).first()
        with transaction.atomic():
            audit.record(
                action="auth.register_existing",
                request=request,
                target=existing,
                customer=_customer_of(existing),
                summary="Registration attempted with an address that has an account",
            )
            queue_account_mail(to=email, template="account_exists", link="help", request=request)
        return None


def _send_verification(user: User, request: HttpRequest | None) -> None:
    queue_account_mail(
        to=user.email, template="verify_email", user=user, link="verify", request=request
    )


def resend_verification(*, user: User, request: HttpRequest | None = None) -> None:
    """Mail a fresh verification link (at most 5 an hour per account). Raises Throttled."""
    if user.email_verified:
        return
    if not throttle.allow(
        scope="verify-mail", key=str(user.pk), limit=5, window=timedelta(hours=1)
    ):
        raise Throttled(60)
    with transaction.atomic():
        _send_verification(user, request)


def verify_email(*, token: str, request: HttpRequest | None = None) -> tuple[User, bool]:
    """Mark the address in `token` as verified. Returns the user and whether this click
    verified it (the first time: the store then signs a new customer in). Raises BadLink for
    a bad, old or stale link."""
    payload = tokens.read(token, salt=tokens.VERIFY_SALT)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=int(payload.get("u") or 0)).first()
        if user is None or user.email != payload.get("e") or not user.is_active:
            raise BadLink("stale link")
        first_time = user.email_verified_at is None
        if first_time:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            audit.record(
                action="auth.email_verified",
                actor=user,
                target=user,
                customer=_customer_of(user),
                request=request,
                summary="Email address verified",
            )
        return user, first_time


def request_email_change(*, user: User, new_email: str, request: HttpRequest | None = None) -> None:
    """Mail a confirmation link to `new_email`; the address changes only when it is clicked.

    If another account already uses `new_email`, that address gets a notice instead of a link
    (the form looks the same either way). Raises AccountError for the current address.
    """
    new_email = _normalise(new_email)
    if new_email == user.email:
        raise AccountError("This is already your email address.")
    with transaction.atomic():
        taken = User.objects.filter(email=new_email).exists()
        audit.record(
            action="auth.email_change_requested",
            actor=user,
            target=user,
            customer=_customer_of(user),
            request=request,
            summary="Email change requested",
            data={"new_email": new_email},
        )
        if taken:
            queue_account_mail(to=new_email, template="email_change_taken")
            return
        queue_account_mail(
            to=new_email,
            template="email_change_confirm",
            user=user,
            link="change",
            new_email=new_email,
            request=request,
        )


def confirm_email_change(*, token: str, request: HttpRequest | None = None) -> User:
    """Switch the account (and its CRM record) to the new, now verified, address; tell the old
    address. Raises BadLink (bad, old or already used link) or AccountError (address taken)."""
    payload = tokens.read(token, salt=tokens.CHANGE_SALT)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=int(payload.get("u") or 0)).first()
        if user is None or user.email != payload.get("old") or not user.is_active:
            raise BadLink("stale link")
        new_email = str(payload.get("new", ""))
        if User.objects.filter(email=new_email).exclude(pk=user.pk).exists():
            raise AccountError("That address is now used by another account.")
        old_email = user.email
        user.email = new_email
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email", "username", "email_verified_at"])
        customer = _customer_of(user)
        if customer is not None:
            customer_services.change_customer_email(customer=customer, email=new_email, actor=user)
        audit.record(
            action="auth.email_changed",
            actor=user,
            target=user,
            customer=customer,
            request=request,
            summary="Email address changed",
            data={"old_email": old_email, "new_email": new_email},
        )
        queue_account_mail(
            to=old_email, template="email_changed_notice", user=user, new_email=new_email
        )
        return user


def request_password_reset(*, email: str, request: HttpRequest | None = None) -> None:
    """Mail a reset link if `email` belongs to an active customer account; otherwise nothing.

    Rate-limited per address and per target email in the database (shared by every process);
    raises Throttled. Staff reset through a manager (a new enrolment link), never here.
    """
    email = _normalise(email)
    window = timedelta(minutes=settings.RAPPORT_RESET_WINDOW_MINUTES)
    ip = audit.client_ip(request) or "unknown"
    allowed = throttle.allow(
        scope="reset-ip", key=ip, limit=settings.RAPPORT_RESET_LIMIT_PER_IP, window=window
    ) and throttle.allow(
        scope="reset-email", key=email, limit=settings.RAPPORT_RESET_LIMIT_PER_EMAIL, window=window
    )
    with transaction.atomic():
        if not allowed:
            audit.record(
                action="auth.password_reset_throttled",
                request=request,
                summary="Password reset refused: too many requests",
                data={"email": email},
            )
        else:
            user = User.objects.filter(email=email, is_active=True, is_staff=False).first()
            usable = user is not None and user.has_usable_password()
            audit.record(
                action="auth.password_reset_requested",
                request=request,
                target=user if usable else None,
                customer=_customer_of(user) if usable else None,
                summary="Password reset requested",
                data={"email": email, "matched": usable},
            )
            if usable and user is not None:
                queue_account_mail(
                    to=user.email,
                    template="password_reset",
                    user=user,
                    link="reset",
                    request=request,
                )
    if not allowed:
        raise Throttled(settings.RAPPORT_RESET_WINDOW_MINUTES)


def complete_password_reset(
    *, user: User, password: str, request: HttpRequest | None = None
) -> User:
    """Set the new password (from a valid reset link) and lift the account's login lockout.

    Clicking the link also proves the address, so it counts as verification.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        fields = ["password"]
        if locked.email_verified_at is None:
            locked.email_verified_at = timezone.now()
            fields.append("email_verified_at")
        locked.save(update_fields=fields)
        audit.record(
            action="auth.password_reset_done",
            actor=locked,
            target=locked,
            customer=_customer_of(locked),
            request=request,
            summary="Password reset with an emailed link",
        )
        # The owner proved control of the address: lift the waits on their store logins.
        lockout.clear_account(email=locked.email, entrance=STORE)
        queue_account_mail(to=locked.email, template="password_changed_notice", user=locked)
        return locked


def record_login(
    *,
    entrance: str,
    succeeded: bool,
    email: str,
    user: Any = None,
    request: HttpRequest | None = None,
    detail: str = "",
) -> None:
    """Audit one login attempt at an entrance (success or failure).

    For a failure the typed address is kept in `data` (the log is staff-only); if it names a
    customer account the entry also lands on that customer's timeline.
    """
    email = _normalise(email)
    if user is None and email:
        user = User.objects.filter(email=email).first()
    outcome = "succeeded" if succeeded else "failed"
    audit.record(
        action=f"auth.{entrance}_login_{outcome}",
        actor=user if succeeded else None,
        target=user,
        customer=_customer_of(user) if user is not None and not user.is_staff else None,
        request=request,
        summary=f"Login {outcome} at the {entrance} entrance" + (f" ({detail})" if detail else ""),
        data={"email": email, **({"detail": detail} if detail else {})},
    )
