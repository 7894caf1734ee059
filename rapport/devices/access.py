"""Who may see and revoke which device, and whose devices a manager may manage.

Managers: every person's devices. Anyone else: their own only. Anything else is a 404, so
device ids of other people are not confirmed to exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from rapport.accounts.models import User
from rapport.accounts.roles import is_manager
from rapport.devices.models import Device


def get_device_for(user: Any, public_id: Any) -> Device:
    """The device `public_id` if `user` may see and revoke it (theirs, or any for a manager)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    devices = Device.objects.select_related("person", "revoked_by")
    if not is_manager(user):
        devices = devices.filter(person=user)
    try:
        return devices.get(public_id=public_id)
    except (Device.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def get_person_for_devices(user: Any, public_id: Any) -> User:
    """A person whose devices and enrolment codes `user` manages: managers only, active people."""
    if not is_manager(user):
        raise Http404
    try:
        return User.objects.get(public_id=public_id, is_active=True)
    except (User.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
