"""Public endpoints behind links in our mail: one-click unsubscribe, open pixel, click redirect.

No login: the signed token in the URL is the authority. Nothing here reveals who the token
belongs to beyond what the message itself showed its recipient.
"""

from __future__ import annotations

import base64
import contextlib

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from rapport.messaging.tracking import (
    TrackingError,
    message_for_unsubscribe,
    record_click,
    record_open,
    unsubscribe,
)

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


# CSRF exemption, on purpose and only here: RFC 8058 one-click unsubscribe is a POST sent by
# the recipient's mail provider (Gmail, Outlook…), which has no session and no CSRF token. The
# unguessable signed token in the URL authorises exactly one thing — withdrawing consent for
# one message's purpose — so a forged cross-site POST could at worst unsubscribe the person
# whose link it is, which is what the link is for. GET only shows a confirmation page, so
# link scanners that prefetch URLs never unsubscribe anyone.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        message = message_for_unsubscribe(token)
    except TrackingError as exc:
        raise Http404 from exc
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        unsubscribe(
            token=token, source="one-click unsubscribe" if one_click else "unsubscribe page"
        )
        return render(request, "storefront/profile/unsubscribed.html", {"done": True})
    return render(
        request,
        "storefront/profile/unsubscribed.html",
        {"done": False, "message": message, "token": token},
    )


@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    # A broken pixel still gets an image: mail clients show nothing either way.
    with contextlib.suppress(TrackingError):
        record_open(token=token)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    try:
        url = record_click(token=token)
    except TrackingError as exc:
        raise Http404 from exc
    return HttpResponseRedirect(url)
