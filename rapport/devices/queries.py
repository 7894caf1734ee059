"""Reads for the device pages: a person's devices, a device's usage log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rapport.devices.models import Device, DeviceUsage, EnrolmentCode

USAGE_PAGE = 200


def devices_of(person: Any) -> QuerySet[Device]:
    """The person's devices, active first then revoked, newest enrolment first."""
    return (
        Device.objects.filter(person=person)
        .select_related("revoked_by")
        .order_by("status", "-enrolled_at", "-id")
    )


def usage_of(device: Device, limit: int = USAGE_PAGE) -> list[DeviceUsage]:
    """The device's latest usage log entries (its clock), newest first."""
    return list(DeviceUsage.objects.filter(device=device).order_by("-at", "-id")[:limit])


def open_codes_of(person: Any) -> QuerySet[EnrolmentCode]:
    """Codes issued for the person that are neither used nor expired (they are never shown
    again; the page says how many are out there)."""
    from django.utils import timezone

    return EnrolmentCode.objects.filter(
        person=person, used_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("issued_by")
