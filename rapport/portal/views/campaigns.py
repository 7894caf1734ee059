"""Manager pages for campaigns (M5): compose, preview per recipient, send, and the report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rapport.campaigns import queries
from rapport.campaigns.access import get_campaign_for_manager
from rapport.campaigns.models import AudienceKind, Campaign, CampaignKind, Topic
from rapport.campaigns.services import (
    CampaignError,
    preview,
    save_campaign,
    start_campaign,
)
from rapport.campaigns.tasks import enqueue_campaign
from rapport.catalog.models import Product
from rapport.core.access import manager_required
from rapport.customers.models import ContactKind, ContactPoint, Customer
from rapport.segments.models import Segment


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=Topic.choices)
    audience_kind = forms.ChoiceField(label=gettext_lazy("Audience"), choices=AudienceKind.choices)
    segment = forms.ModelChoiceField(
        label=gettext_lazy("Segment"),
        queryset=Segment.objects.filter(is_active=True),
        required=False,
    )
    occasion_within_days = forms.IntegerField(
        label=gettext_lazy("Occasion within (days)"), min_value=1, max_value=365, initial=30
    )
    audience_list = forms.CharField(
        label=gettext_lazy("Email addresses, one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    subject_a = forms.CharField(label=gettext_lazy("Subject (A)"), max_length=200)
    body_a = forms.CharField(
        label=gettext_lazy("Text (A) — {name} becomes the recipient's name"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    subject_b = forms.CharField(
        label=gettext_lazy("Subject (B, optional)"), max_length=200, required=False
    )
    body_b = forms.CharField(
        label=gettext_lazy("Text (B, optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    product_skus = forms.CharField(
        label=gettext_lazy("Product block: SKUs, comma-separated"), required=False
    )
    personal_products = forms.BooleanField(
        label=gettext_lazy("Add products picked for each recipient"), required=False, initial=True
    )
    control_percent = forms.IntegerField(
        label=gettext_lazy("Control group (%)"), min_value=0, max_value=50, initial=10
    )
    attribution_days = forms.IntegerField(
        label=gettext_lazy("Attribution window (days)"), min_value=1, max_value=60, initial=7
    )
    scheduled_at = forms.DateTimeField(
        label=gettext_lazy("Send at (empty: send by hand)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


def _products(raw: str) -> list[Product]:
    skus = [s.strip() for s in raw.split(",") if s.strip()]
    found = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
    missing = [s for s in skus if s not in found]
    if missing:
        raise CampaignError(_("No product with SKU %(s)s.") % {"s": ", ".join(missing)})
    return [found[s] for s in skus]


def _initial(campaign: Campaign) -> dict[str, Any]:
    variants = list(campaign.variants.all())
    data: dict[str, Any] = {
        "name": campaign.name,
        "topic": campaign.topic,
        "audience_kind": campaign.audience_kind,
        "segment": campaign.segment,
        "occasion_within_days": campaign.occasion_within_days,
        "audience_list": campaign.audience_list,
        "product_skus": ", ".join(p.sku for p in campaign.products.all()),
        "personal_products": campaign.personal_products,
        "control_percent": campaign.control_percent,
        "attribution_days": campaign.attribution_days,
        "scheduled_at": campaign.scheduled_at,
    }
    for variant, suffix in zip(variants, ("a", "b"), strict=False):
        data[f"subject_{suffix}"] = variant.subject
        data[f"body_{suffix}"] = variant.body
    return data


def _save(request: HttpRequest, form: CampaignForm, campaign: Campaign | None) -> Campaign:
    data = form.cleaned_data
    versions = [(data["subject_a"], data["body_a"])]
    if data["subject_b"].strip() or data["body_b"].strip():
        versions.append((data["subject_b"], data["body_b"]))
    return save_campaign(
        actor=request.user,
        campaign=campaign,
        name=data["name"],
        topic=data["topic"],
        audience_kind=data["audience_kind"],
        segment=data["segment"],
        occasion_within_days=data["occasion_within_days"],
        audience_list=data["audience_list"],
        variants=versions,
        products=_products(data["product_skus"]),
        personal_products=data["personal_products"],
        control_percent=data["control_percent"],
        attribution_days=data["attribution_days"],
        scheduled_at=data["scheduled_at"],
    )


@manager_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "campaigns/portal/list.html",
        {"campaigns": queries.campaigns_for_portal()[:200]},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@manager_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    return _edit(request, get_campaign_for_manager(request.user, public_id))


def _edit(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    error = ""
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid():
            try:
                saved = _save(request, form, campaign)
            except CampaignError as exc:
                error = str(exc)
            else:
                messages.success(request, _("Campaign saved."))
                return redirect("portal:campaign", saved.public_id)
    else:
        form = CampaignForm(initial=_initial(campaign) if campaign else None)
    return render(
        request,
        "campaigns/portal/edit.html",
        {"form": form, "campaign": campaign, "error": error},
        status=400 if request.method == "POST" else 200,
    )


@manager_required
def campaign_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    campaign = get_campaign_for_manager(request.user, public_id)
    report = queries.campaign_report(campaign)
    return render(
        request,
        "campaigns/portal/detail.html",
        {
            "campaign": campaign,
            "variants": list(campaign.variants.all()),
            "products": list(campaign.products.all()),
            "report": report,
            "interval": report.uplift_interval,
            "always_on": campaign.kind == CampaignKind.ALWAYS_ON,
        },
    )


def _customer(raw: str) -> Customer | None:
    raw = raw.strip().lower()
    if not raw:
        return None
    found = Customer.objects.filter(email__iexact=raw).first()
    if found is None:
        point = ContactPoint.objects.filter(kind=ContactKind.EMAIL, value__iexact=raw).first()
        found = point.customer if point else None
    return found


@manager_required
def campaign_preview(request: HttpRequest, public_id: str) -> HttpResponse:
    campaign = get_campaign_for_manager(request.user, public_id)
    query = request.GET.get("customer", "")
    customer = _customer(query)
    shown = preview(campaign=campaign, customer=customer) if customer else None
    return render(
        request,
        "campaigns/portal/preview.html",
        {
            "campaign": campaign,
            "query": query,
            "customer": customer,
            "shown": shown,
            "not_found": bool(query.strip()) and customer is None,
        },
    )


@manager_required
@require_POST
def campaign_send(request: HttpRequest, public_id: str) -> HttpResponse:
    campaign = get_campaign_for_manager(request.user, public_id)
    try:
        start_campaign(campaign=campaign, actor=request.user, enqueue=enqueue_campaign)
    except CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Sending started: the report fills as mail goes out."))
    return redirect("portal:campaign", campaign.public_id)
