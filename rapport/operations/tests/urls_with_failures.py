"""The site's URLs plus two test pages: one that answers, one that crashes."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site


def fine(request: HttpRequest) -> HttpResponse:
    return HttpResponse("fine")


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("injected failure")


urlpatterns = [path("test-fine/", fine), path("test-crash/", crash), *site]
