"""The load benchmark's URLs (`bench.settings_bench` only): the store's, plus `/bench-sign-in/`
for the price-list scenarios (issue 17).

The harness (`../shared/bench/load.py`) sends the same form values for every virtual user, so
with the store's login form all of them would sign in as one customer and share one open cart.
`/bench-sign-in/` signs the visitor in, exactly as the login form does on success
(`accounts.sessions.complete_login`, the login recorded), as the bench price-list customer
(`bench/pricing/signed_in_customer.py`) who signed in least recently: the harness prepares its
virtual users one after the other, so each gets a customer of their own. It is not timed (the
harness's `session_setup`) and exists only under the bench settings.
"""

from __future__ import annotations

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.urls import urlpatterns as store_urlpatterns
from rapport.accounts import sessions
from rapport.accounts.backends import STORE
from rapport.accounts.models import User
from rapport.accounts.services import customer_accounts

BENCH_EMAIL_PREFIX = "bench-pricelist"


@never_cache
@require_GET
def sign_in(request: HttpRequest) -> HttpResponse:
    user = (
        User.objects.filter(email__startswith=BENCH_EMAIL_PREFIX, email__endswith="@example.com")
        .order_by(F("last_login").asc(nulls_first=True), "pk")
        .first()
    )
    if user is None:
        return HttpResponse("Run bench/pricing/signed_in_customer.py first.", status=404)
    sessions.complete_login(request, user)  # sets last_login: the next call gets the next one
    customer_accounts.record_login(
        entrance=STORE, succeeded=True, email=user.email, user=user, request=request
    )
    return redirect("/")


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench-sign-in/", sign_in),
    *store_urlpatterns,
]
