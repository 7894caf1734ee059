"""Reads for the staff list and the audit-log browser, and the signed-in user of a request."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from rapport.accounts.models import User
from rapport.core.models import AuditEntry
from rapport.core.sql import Columns, column, db_value, table

_USER_COLUMNS = Columns(*(("u", User, f.name) for f in User._meta.concrete_fields))


def user_by_pk(user_id: Any) -> User | None:
    """The user `user_id` with every field, or None: what `ModelBackend.get_user` reads on every
    signed-in request (twice per add-to-cart flow), hand-written (`rapport.core.sql`) because
    building the ORM query cost several times what the database took to answer it."""
    sql = (
        f"SELECT {_USER_COLUMNS.sql} FROM {table(User)} u"  # noqa: S608
        f" WHERE u.{column(User, 'id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [db_value(User, "id", user_id)])
        row = cursor.fetchone()
    return _USER_COLUMNS.instance(User, row) if row else None


def staff_list(members: QuerySet[User]) -> QuerySet[User]:
    """Staff accounts with their roles and whether 2FA is enrolled, in a fixed number of queries."""
    return (
        members.annotate(
            has_2fa=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        .order_by("-is_active", "email")
    )


def audit_entries(
    *,
    action: str = "",
    actor: str = "",
    obj: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries filtered by action (prefix), actor (email/name contains), object (type, id
    or label contains) and an inclusive date range; newest first. One query per page."""
    entries: QuerySet[AuditEntry] = AuditEntry.objects.all()
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if obj:
        from django.db.models import Q

        entries = entries.filter(
            Q(object_type__iexact=obj) | Q(object_id=obj) | Q(object_label__icontains=obj)
        )
    tz: Any = timezone.get_current_timezone()
    if since:
        entries = entries.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        entries = entries.filter(created_at__lte=datetime.combine(until, time.max, tzinfo=tz))
    return entries.order_by("-created_at", "-id")


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
