"""`manage.py check --deploy`: outside DEBUG the device CA key must be set and readable."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from rapport.devices.ca import CertificateAuthorityMissing, authority


@checks.register(checks.Tags.security, deploy=True)
def device_ca_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    try:
        authority()
    except CertificateAuthorityMissing as exc:
        return [checks.Error(str(exc), id="rapport.devices.E001")]
    return []
