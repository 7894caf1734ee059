"""/api/v1/: the API's routes, each answering errors as problem details, and a problem 404
for any other path under it.

ninja answers a wrong method with a bare 405, and an exception no handler knows escapes to
Django's HTML error page; `as_problems` turns both into problem details (the exception is
logged as Django would).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, re_path

from rapport.api.app import api
from rapport.api.problems import CONTENT_TYPE, problem

logger = logging.getLogger("django.request")


def as_problems(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # the API's root: ninja points to the docs this way
            return problem(request, 404, "No such API route; the reference is at /api/v1/docs.")
        except Exception:
            logger.exception("Internal Server Error: %s", request.path)
            return problem(request, 500, "Something went wrong on our side.")
        if response.status_code == 405 and response.get("Content-Type") != CONTENT_TYPE:
            fixed = problem(request, 405, "This route does not take this method.")
            fixed["Allow"] = response.get("Allow", "")
            return fixed
        return response

    return wrapper


def no_such_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem(request, 404, "No such API route.")


ninja_patterns, ninja_app, ninja_namespace = api.urls
for pattern in ninja_patterns:
    if isinstance(pattern, URLPattern):
        pattern.callback = as_problems(pattern.callback)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", (ninja_patterns, ninja_app, ninja_namespace)),
    re_path(r"^(?P<rest>.*)$", no_such_route),
]
