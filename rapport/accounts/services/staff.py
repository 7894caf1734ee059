"""Staff accounts, managed by managers: create, change role, deactivate, enrolment links, 2FA."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from rapport.accounts.errors import AccountError
from rapport.accounts.mail import queue_account_mail
from rapport.accounts.models import User
from rapport.accounts.roles import ROLES
from rapport.accounts.services.two_factor import delete_devices
from rapport.core import audit


def _send_enrolment(member: User, request: HttpRequest | None) -> None:
    queue_account_mail(
        to=member.email, template="staff_enrolment", user=member, link="enrol", request=request
    )


def create_staff_member(
    *,
    actor: Any,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    request: HttpRequest | None = None,
) -> User:
    """A new employee or manager without a password; they get a one-time link to set one and
    enrol their second factor at first login. Raises AccountError (address taken, bad role)."""
    if role not in ROLES:
        raise AccountError("Unknown role.")
    email = email.strip().lower()
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            raise AccountError("An account with this address already exists.")
        member = User.objects.create_user(
            email=email, password=None, first_name=first_name, last_name=last_name, is_staff=True
        )
        member.groups.add(Group.objects.get(name=role))
        audit.record(
            action="staff.created",
            actor=actor,
            target=member,
            request=request,
            summary=f"Staff account created with role {role}",
            data={"role": role},
        )
        _send_enrolment(member, request)
        return member


def send_enrolment_link(*, actor: Any, member: User, request: HttpRequest | None = None) -> None:
    """Mail a new one-time set-password link (how staff recover a lost password)."""
    with transaction.atomic():
        audit.record(
            action="staff.enrolment_sent",
            actor=actor,
            target=member,
            request=request,
            summary="Set-password link sent",
        )
        _send_enrolment(member, request)


def set_staff_password(*, member: User, password: str, request: HttpRequest | None = None) -> User:
    """Set the password from an enrolment link; the link proves the address and dies with it."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        locked.set_password(password)
        locked.email_verified_at = locked.email_verified_at or timezone.now()
        locked.save(update_fields=["password", "email_verified_at"])
        audit.record(
            action="staff.password_set",
            actor=locked,
            target=locked,
            request=request,
            summary="Password set with an enrolment link",
        )
        return locked


def change_staff_role(
    *, actor: Any, member: User, role: str, request: HttpRequest | None = None
) -> User:
    """Give a staff member exactly one role. Raises AccountError (bad role, own role)."""
    if role not in ROLES:
        raise AccountError("Unknown role.")
    if member.pk == actor.pk:
        raise AccountError("You cannot change your own role.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        before = sorted(locked.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if before == [role]:
            return locked
        locked.groups.remove(*Group.objects.filter(name__in=ROLES))
        locked.groups.add(Group.objects.get(name=role))
        audit.record(
            action="staff.role_changed",
            actor=actor,
            target=locked,
            request=request,
            summary=f"Role changed from {', '.join(before) or 'none'} to {role}",
            data={"from": before, "to": role},
        )
        return locked


def deactivate_staff_member(
    *, actor: Any, member: User, request: HttpRequest | None = None
) -> User:
    """Switch a staff login off (its sessions stop working at the next request).

    Raises AccountError for one's own account.
    """
    if member.pk == actor.pk:
        raise AccountError("You cannot deactivate your own account.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        if not locked.is_active:
            return locked
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit.record(
            action="staff.deactivated",
            actor=actor,
            target=locked,
            request=request,
            summary="Staff account deactivated",
        )
        return locked


def reset_staff_two_factor(*, actor: Any, member: User, request: HttpRequest | None = None) -> None:
    """Remove a staff member's authenticator and recovery codes (lost phone). Their open
    sessions lose the second factor at once; the next login enrols a new device."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=member.pk)
        removed = delete_devices(member)
        audit.record(
            action="staff.2fa_reset",
            actor=actor,
            target=member,
            request=request,
            summary="Two-factor authentication reset by a manager",
            data={"devices_removed": removed},
        )


def two_factor_enrolled(member: User) -> bool:
    from rapport.accounts.services.two_factor import has_two_factor

    return has_two_factor(member)
