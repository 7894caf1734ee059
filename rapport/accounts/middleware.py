"""Staff session rules on every page, not only the portal's."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponse

from rapport.core.access import staff_session_ok


class StaffSessionMiddleware:
    """A staff session that breaks the rules (idle past `RAPPORT_STAFF_IDLE_MINUTES`, or never
    verified by the second factor) is ended on any store page too: store pages such as
    `/account/orders/…` and receipts would otherwise show what the portal refuses. The staff
    entrance's own pages (login, second factor, enrolment) are left to the portal's views."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.staff_prefix = f"/{settings.RAPPORT_STAFF_PATH}/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and not request.path.startswith(self.staff_prefix)
            and not staff_session_ok(request)  # ends an idle session itself
            and request.user.is_authenticated
        ):
            auth.logout(request)
        return self.get_response(request)
