"""The customer's own occasions ("we'll remind you before …") and per-topic unsubscribe."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.campaigns import queries
from rapport.campaigns.access import get_own_occasion
from rapport.campaigns.models import Campaign, Topic
from rapport.campaigns.occasion_services import OccasionError, declare_occasion, update_occasion
from rapport.campaigns.reminders import send_on
from rapport.campaigns.sending import read_topic_token
from rapport.campaigns.services import resubscribe_topic, unsubscribe_topic
from rapport.customers.access import get_own_customer
from rapport.customers.models import Customer


def _date(raw: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError as exc:
        raise OccasionError(_("Enter the date as YYYY-MM-DD.")) from exc


@login_required
@require_http_methods(["GET", "POST"])
def occasions(request: HttpRequest) -> HttpResponse:
    customer = get_own_customer(request.user)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "topics":
                for topic in Topic.values:
                    if request.POST.get(f"topic-{topic}") == "on":
                        resubscribe_topic(customer=customer, topic=topic, actor=request.user)
                    else:
                        unsubscribe_topic(customer=customer, topic=topic, actor=request.user)
            else:
                date = _date(request.POST.get("date", ""))
                if date is None:
                    raise OccasionError(_("Enter the date as YYYY-MM-DD."))
                declare_occasion(
                    customer=customer,
                    actor=request.user,
                    name=request.POST.get("name", ""),
                    date=date,
                )
        except OccasionError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("storefront:occasions")
    rows = [{"occasion": o, "remind_on": send_on(o)} for o in queries.occasions_of(customer)]
    stopped = queries.opted_out_topics(customer)
    topics = [{"value": t.value, "label": t.label, "on": t.value not in stopped} for t in Topic]
    return render(
        request,
        "campaigns/account/occasions.html",
        {"rows": rows, "topics": topics, "error": error, "customer": customer},
        status=400 if error else 200,
    )


@login_required
@require_POST
def occasion_update(request: HttpRequest, public_id: str) -> HttpResponse:
    occasion = get_own_occasion(request.user, public_id)
    try:
        update_occasion(
            occasion=occasion,
            actor=request.user,
            enabled=request.POST.get("enabled") == "on",
            name=request.POST.get("name"),
            date=_date(request.POST.get("date", "")),
        )
    except OccasionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("storefront:occasions")


@require_http_methods(["GET", "POST"])
def topic_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """From the link in a campaign mail: the signed token names the customer and the topic."""
    payload = read_topic_token(token)
    customer = (
        Customer.objects.filter(public_id=payload["c"], erased_at__isnull=True).first()
        if payload
        else None
    )
    if payload is None or customer is None or payload["t"] not in Topic.values:
        raise Http404
    topic = Topic(payload["t"])
    if request.method == "POST":
        unsubscribe_topic(
            customer=customer,
            topic=topic,
            actor=None,
            campaign=Campaign.objects.filter(pk=payload["k"]).first(),
        )
        return render(
            request, "campaigns/account/topic_unsubscribed.html", {"done": True, "topic": topic}
        )
    return render(
        request, "campaigns/account/topic_unsubscribed.html", {"done": False, "topic": topic}
    )
