from typing import Any

from django.conf import settings
from django.http import HttpRequest


def store(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_NAME": settings.RAPPORT_SITE_NAME}
