"""The single write path to the audit log (and so to every customer's timeline)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from rapport.core.models import AuditEntry

if TYPE_CHECKING:
    from rapport.customers.models import Customer


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address. REMOTE_ADDR only: forwarded headers are set by the proxy layer."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    customer: Customer | None = None,
    summary: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    ip_address: str | None = None,
    at: Any = None,
) -> AuditEntry:
    """Append one audit entry. Pass `customer` to put it on that customer's timeline.

    `actor` is a user or None (the system). Call it inside the service's transaction so the entry
    exists exactly when the change it describes does.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        created_at=at or timezone.now(),
        action=action,
        actor=actor,
        actor_label=str(actor) if actor is not None else "system",
        ip_address=ip_address or client_ip(request),
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_label=str(target)[:255] if target is not None else "",
        customer=customer,
        summary=summary[:500],
        data=data or {},
    )
