"""Whether to offer this visitor live chat now (asked by the page after it has been open a while;
see rapport/traffic/queries.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rapport.traffic.queries import should_invite


@never_cache
@require_GET
def chat_invite(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"invite": should_invite(request)})
