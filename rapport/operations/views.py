"""Machine endpoints: /healthz (liveness: the process answers, no database), /readyz (readiness:
JSON of every check, 200 or 503) and /metrics (Prometheus text format, not public: a bearer
token from RAPPORT_METRICS_TOKEN, or a verified staff session; anyone else gets a 404)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rapport.core.access import staff_session_ok
from rapport.operations import health, metrics


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = health.run_checks()
    ready = health.is_ready(checks)
    return JsonResponse(
        {"status": "ok" if ready else "fail", "checks": {c.name: c.as_dict() for c in checks}},
        status=200 if ready else 503,
    )


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.RAPPORT_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return staff_session_ok(request)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        raise Http404
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
