"""Managers: cross-sell thresholds, knowledge rules, consumables and bundles (issue 6)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rapport.catalog.models import Category, Product
from rapport.core.access import manager_required
from rapport.recommendations import services
from rapport.recommendations.models import (
    Bundle,
    BundleStatus,
    Consumable,
    KnowledgeRule,
    MiningState,
    PriceTier,
    ProductRule,
)
from rapport.recommendations.queries import current_settings
from rapport.segments.models import Segment


class SettingsForm(forms.Form):
    min_support = forms.DecimalField(
        label=gettext_lazy("Minimum support"),
        min_value=Decimal("0.000001"),
        max_value=1,
        decimal_places=6,
    )
    min_confidence = forms.DecimalField(
        label=gettext_lazy("Minimum confidence"), min_value=0, max_value=1, decimal_places=4
    )
    min_lift = forms.DecimalField(label=gettext_lazy("Minimum lift"), min_value=0, decimal_places=3)
    top_n = forms.IntegerField(
        label=gettext_lazy("Rules kept per product"), min_value=1, max_value=50
    )


class RuleForm(forms.Form):
    source = forms.ModelChoiceField(
        queryset=Category.objects.all(), label=gettext_lazy("Buyers of")
    )
    segment = forms.ModelChoiceField(
        queryset=Segment.objects.filter(is_active=True),
        label=gettext_lazy("Only in segment"),
        required=False,
    )
    price_tier = forms.ChoiceField(
        label=gettext_lazy("Only at price tier"), choices=PriceTier.choices, required=False
    )
    target = forms.ModelChoiceField(queryset=Category.objects.all(), label=gettext_lazy("Suggest"))
    reason = forms.CharField(label=gettext_lazy("Reason shown"), required=False, max_length=200)


class BundleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    price = forms.DecimalField(
        label=gettext_lazy("Bundle price"), min_value=Decimal("0.01"), decimal_places=2
    )
    items = forms.CharField(
        label=gettext_lazy("Items (one per line: SKU or SKU x quantity)"), widget=forms.Textarea
    )

    def clean_items(self) -> list[tuple[Product, int]]:
        parsed: list[tuple[str, int]] = []
        for raw in self.cleaned_data["items"].splitlines():
            raw = raw.strip()
            if not raw:
                continue
            sku, _sep, qty = raw.partition(" x ")
            try:
                quantity = int(qty) if qty else 1
            except ValueError as exc:
                raise forms.ValidationError(_("Write each line as SKU or SKU x quantity.")) from exc
            parsed.append((sku.strip(), quantity))
        found = {p.sku: p for p in Product.objects.filter(sku__in=[s for s, _q in parsed])}
        missing = [s for s, _q in parsed if s not in found]
        if missing:
            raise forms.ValidationError(_("Unknown SKU: %(skus)s") % {"skus": ", ".join(missing)})
        return [(found[s], q) for s, q in parsed]


class AcceptForm(forms.Form):
    price = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2)
    name = forms.CharField(max_length=120, required=False)


@manager_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    config = current_settings()
    form = SettingsForm(
        request.POST or None,
        initial={
            "min_support": config.min_support,
            "min_confidence": config.min_confidence,
            "min_lift": config.min_lift,
            "top_n": config.top_n,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(actor=request.user, **form.cleaned_data)
        except services.RecommendationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thresholds saved. They apply from the next run."))
            return redirect("portal:reco_settings")
    return render(
        request,
        "portal/recommendations/settings.html",
        {
            "form": form,
            "state": MiningState.objects.filter(pk=1).defer("counts").first(),
            "rule_count": ProductRule.objects.count(),
            "categories": Category.objects.order_by("name"),
            "consumable_ids": set(
                Consumable.objects.filter(category__isnull=False).values_list(
                    "category_id", flat=True
                )
            ),
        },
    )


@manager_required
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    services.refresh_rules(full=True, actor=request.user)
    created = services.suggest_bundles(actor=request.user)
    messages.success(
        request,
        _("Rules recomputed; %(n)d new bundle suggestions.") % {"n": len(created)},
    )
    return redirect("portal:reco_settings")


@manager_required
@require_POST
def consumable(request: HttpRequest) -> HttpResponse:
    category = get_object_or_404(Category, pk=request.POST.get("category") or 0)
    services.set_consumable(
        actor=request.user, category=category, consumable=request.POST.get("on") == "1"
    )
    messages.success(request, _("Saved."))
    return redirect("portal:reco_settings")


@manager_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_knowledge_rule(
                actor=request.user,
                source=data["source"],
                target=data["target"],
                segment=data["segment"],
                price_tier=data["price_tier"] or "",
                reason=data["reason"],
            )
        except services.RecommendationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Rule added."))
            return redirect("portal:reco_rules")
    return render(
        request,
        "portal/recommendations/rules.html",
        {"form": form, "rules": KnowledgeRule.objects.select_related("source", "target")},
    )


@manager_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(KnowledgeRule, pk=pk)
    services.remove_knowledge_rule(actor=request.user, rule=rule)
    messages.success(request, _("Rule removed."))
    return redirect("portal:reco_rules")


@manager_required
@require_http_methods(["GET", "POST"])
def bundles(request: HttpRequest) -> HttpResponse:
    form = BundleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_bundle(
                actor=request.user,
                name=form.cleaned_data["name"],
                price=form.cleaned_data["price"],
                items=form.cleaned_data["items"],
            )
        except services.RecommendationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Bundle created."))
            return redirect("portal:reco_bundles")
    listed = Bundle.objects.filter(
        status__in=[BundleStatus.ACTIVE, BundleStatus.SUGGESTED]
    ).prefetch_related("items__product")
    return render(
        request,
        "portal/recommendations/bundles.html",
        {
            "form": form,
            "active": [b for b in listed if b.status == BundleStatus.ACTIVE],
            "suggested": [b for b in listed if b.status == BundleStatus.SUGGESTED],
        },
    )


def _bundle_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    bundle = get_object_or_404(Bundle, pk=pk)
    try:
        if action == "accept":
            form = AcceptForm(request.POST)
            if not form.is_valid():
                raise services.RecommendationError(_("Enter a bundle price above zero."))
            services.accept_bundle(
                actor=request.user,
                bundle=bundle,
                price=form.cleaned_data["price"],
                name=form.cleaned_data["name"],
            )
            messages.success(request, _("Bundle accepted."))
        elif action == "reject":
            services.reject_bundle(actor=request.user, bundle=bundle)
            messages.success(request, _("Suggestion rejected."))
        else:
            services.retire_bundle(actor=request.user, bundle=bundle)
            messages.success(request, _("Bundle retired."))
    except services.RecommendationError as exc:
        messages.error(request, str(exc))
    return redirect("portal:reco_bundles")


@manager_required
@require_POST
def bundle_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _bundle_action(request, pk, "accept")


@manager_required
@require_POST
def bundle_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _bundle_action(request, pk, "reject")


@manager_required
@require_POST
def bundle_retire(request: HttpRequest, pk: int) -> HttpResponse:
    return _bundle_action(request, pk, "retire")
