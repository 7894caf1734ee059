"""The footer's language switch.

A POST, as Django's `set_language` requires (it changes how the visitor sees the site), but
protected from cross-site requests by the browser's own Origin / Sec-Fetch-Site headers instead
of a CSRF token: the footer is on every page, and a token in it made every page (home, search,
listings, help) mint a CSRF secret and set its cookie, which cost about a third of a cached home
page (docs/performance.md, "Anonymous pages"). Every browser sends Origin on a form POST; a
request whose Origin (or Sec-Fetch-Site) says it came from another site, or that carries
neither, is refused. Forms that change data keep Django's CSRF token.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import set_language


def same_origin(request: HttpRequest) -> bool:
    """Whether the browser says this request comes from one of the store's own pages."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return origin == f"{request.scheme}://{request.get_host()}" or origin in getattr(
        settings, "CSRF_TRUSTED_ORIGINS", ()
    )


@csrf_exempt  # checked by `same_origin` (the module docstring)
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    if not same_origin(request):
        return HttpResponseForbidden(_("The language can only be changed from the store's pages."))
    return set_language(request)
