"""Email preferences: consent per contact point and purpose, and open/click tracking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rapport.customers import queries
from rapport.customers.access import get_own_customer
from rapport.customers.models import ContactKind, Purpose
from rapport.customers.services import set_consent, set_tracking_allowed

OPTIONAL_PURPOSES = (Purpose.MARKETING, Purpose.SURVEYS)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    customer = get_own_customer(request.user)
    points = [
        p for p in queries.contact_points_with_consent(customer) if p.kind == ContactKind.EMAIL
    ]
    if request.method == "POST":
        # One form with a checkbox per (email, purpose): unchecked boxes withdraw consent.
        for point in points:
            for purpose in OPTIONAL_PURPOSES:
                wanted = request.POST.get(f"consent-{point.pk}-{purpose}") == "on"
                set_consent(
                    contact_point=point,
                    purpose=purpose,
                    granted=wanted,
                    actor=request.user,
                    source="preference page",
                )
        set_tracking_allowed(
            customer=customer,
            allowed=request.POST.get("allow_tracking") == "on",
            actor=request.user,
        )
        messages.success(request, _("Your email preferences are saved."))
        return redirect("storefront:preferences")
    rows = [
        {
            "point": point,
            "purposes": [
                {
                    "value": purpose.value,
                    "label": purpose.label,
                    "granted": bool(point.consent[purpose] and point.consent[purpose].granted),  # type: ignore[attr-defined]
                    "consent": point.consent[purpose],  # type: ignore[attr-defined]
                }
                for purpose in OPTIONAL_PURPOSES
            ],
        }
        for point in points
    ]
    return render(
        request, "storefront/profile/preferences.html", {"rows": rows, "customer": customer}
    )
