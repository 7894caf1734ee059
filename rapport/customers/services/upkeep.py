"""Record upkeep: failing contact points, retiring unreachable records, restoring them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.core import audit
from rapport.customers.models import ContactPoint, ContactStatus, Customer
from rapport.customers.services.profile import CustomerError

RETIRED_UNREACHABLE = "Every contact point has failed"


def record_contact_failure(
    *, contact_point: ContactPoint, permanent: bool, reason: str, actor: Any = None
) -> ContactPoint:
    """A delivery to this contact point failed (a bounce, an undeliverable parcel).

    A transient failure or the first hard one marks it failing; a hard failure after the
    hard-bounce limit (RAPPORT_BOUNCE_HARD_LIMIT) or too many failures of any kind
    (RAPPORT_BOUNCE_SOFT_LIMIT) marks it failed. Lands on the customer's timeline.
    """
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=contact_point.customer_id)
        point = ContactPoint.objects.select_for_update().get(pk=contact_point.pk)
        point.failure_count += 1
        if permanent:
            point.hard_failure_count += 1
        point.failure_reason = reason[:300]
        point.last_failed_at = timezone.now()
        before = point.status
        if (
            point.hard_failure_count >= settings.RAPPORT_BOUNCE_HARD_LIMIT
            or point.failure_count >= settings.RAPPORT_BOUNCE_SOFT_LIMIT
        ):
            point.status = ContactStatus.FAILED
        elif point.status != ContactStatus.FAILED:
            point.status = ContactStatus.FAILING
        point.save(
            update_fields=[
                "failure_count",
                "hard_failure_count",
                "failure_reason",
                "last_failed_at",
                "status",
                "updated_at",
            ]
        )
        audit.record(
            action="contact.failed" if point.status == ContactStatus.FAILED else "contact.failing",
            actor=actor,
            target=point,
            customer=customer,
            summary=f"{point.get_kind_display()} {point.get_status_display().lower()}: {reason}",
            data={
                "kind": point.kind,
                "value": point.value,
                "permanent": permanent,
                "from": before,
                "to": point.status,
                "failures": point.failure_count,
            },
        )
        return point


def mark_contact_point_failed(
    *, contact_point: ContactPoint, reason: str, actor: Any
) -> ContactPoint:
    """Staff found a phone or address unusable: mark it failed at once (audit-logged)."""
    reason = reason.strip()
    if not reason:
        raise CustomerError("Say why the contact point failed.")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=contact_point.customer_id)
        point = ContactPoint.objects.select_for_update().get(pk=contact_point.pk)
        if point.status == ContactStatus.FAILED:
            return point
        before = point.status
        point.status = ContactStatus.FAILED
        point.failure_count += 1
        point.failure_reason = reason[:300]
        point.last_failed_at = timezone.now()
        point.save(
            update_fields=[
                "status",
                "failure_count",
                "failure_reason",
                "last_failed_at",
                "updated_at",
            ]
        )
        audit.record(
            action="contact.failed",
            actor=actor,
            target=point,
            customer=customer,
            summary=f"{point.get_kind_display()} marked failed by staff: {reason}",
            data={"kind": point.kind, "value": point.value, "from": before, "to": point.status},
        )
        return point


def retire_customer(*, customer: Customer, reason: str, actor: Any) -> Customer:
    """Retire a record: out of marketing and segments, still visible to staff (idempotent)."""
    reason = reason.strip()
    if not reason:
        raise CustomerError("Say why the record is retired.")
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.retired_at is not None:
            return locked
        locked.retired_at = timezone.now()
        locked.retired_reason = reason[:200]
        locked.save(update_fields=["retired_at", "retired_reason", "updated_at"])
        audit.record(
            action="customer.retired",
            actor=actor,
            target=locked,
            customer=locked,
            summary=f"Record retired: {reason}",
            data={"reason": reason},
        )
        return locked


def restore_customer(*, customer: Customer, actor: Any) -> Customer:
    """Bring a retired record back (one click in the portal; audit-logged).

    Erased and merged records cannot be restored: raises CustomerError.
    """
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.erased_at is not None or locked.merged_into_id is not None:
            raise CustomerError("An erased or merged record cannot be restored.")
        if locked.retired_at is None:
            return locked
        reason = locked.retired_reason
        locked.retired_at = None
        locked.retired_reason = ""
        locked.save(update_fields=["retired_at", "retired_reason", "updated_at"])
        audit.record(
            action="customer.restored",
            actor=actor,
            target=locked,
            customer=locked,
            summary="Record restored",
            data={"was_retired_for": reason},
        )
        return locked


def retire_unreachable_customers(*, actor: Any = None) -> int:
    """Retire every active record whose contact points have all failed (the daily job).

    Each record is retired in its own transaction, re-checked under its lock, so a contact
    point added meanwhile saves the record. Returns how many were retired.
    """
    retired = 0
    for pk in Customer.objects.unreachable_candidates().values_list("pk", flat=True).iterator():
        with transaction.atomic():
            still = Customer.objects.unreachable_candidates().select_for_update().filter(pk=pk)
            customer = still.first()
            if customer is None:
                continue
            retire_customer(customer=customer, reason=RETIRED_UNREACHABLE, actor=actor)
            retired += 1
    return retired
