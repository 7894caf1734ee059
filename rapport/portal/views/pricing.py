"""Managers: price lists (who they apply to, validity, priority) and their prices and tiers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rapport.catalog.models import Product
from rapport.core.access import manager_required
from rapport.customers.models import Customer
from rapport.customervalue.models import VipTier
from rapport.pricing import queries, services
from rapport.pricing.access import get_item_for, get_price_list_for
from rapport.pricing.models import PriceList
from rapport.segments.models import Segment


class PriceListForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    priority = forms.IntegerField(label=gettext_lazy("Priority"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), required=False)
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), required=False)
    vip_tier = forms.ChoiceField(
        label=gettext_lazy("VIP tier"), choices=VipTier.choices, required=False
    )
    segment = forms.ModelChoiceField(
        label=gettext_lazy("Segment"), queryset=Segment.objects.all(), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            raise forms.ValidationError(_("The list cannot end before it starts."))
        return data


class ItemForm(forms.Form):
    sku = forms.CharField(label=gettext_lazy("Item code"), max_length=64)
    min_quantity = forms.IntegerField(
        label=gettext_lazy("From quantity"), min_value=1, max_value=100000, initial=1
    )
    fixed_price = forms.DecimalField(
        label=gettext_lazy("Fixed unit price"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    percent_off = forms.DecimalField(
        label=gettext_lazy("Percentage off"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("fixed_price") is None) == (data.get("percent_off") is None):
            raise forms.ValidationError(
                _("Give either a fixed price or a percentage off, not both.")
            )
        sku = (data.get("sku") or "").strip()
        if sku:
            product = Product.objects.filter(sku=sku).first()
            if product is None:
                self.add_error("sku", _("No product has this item code."))
            data["product"] = product
        return data


class MemberForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Customer's email"))


def _list_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "priority": data["priority"],
        "is_active": data["is_active"],
        "valid_from": data["valid_from"],
        "valid_until": data["valid_until"],
        "vip_tier": data["vip_tier"] or "",
        "segment": data["segment"],
    }


@manager_required
@require_http_methods(["GET", "POST"])
def price_lists(request: HttpRequest) -> HttpResponse:
    form = PriceListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.save_price_list(
                actor=request.user, **_list_fields(form.cleaned_data)
            )
        except services.PricingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Price list created."))
            return redirect("portal:price_list", public_id=created.public_id)
    return render(
        request,
        "portal/pricing/lists.html",
        {"lists": queries.price_lists(), "form": form},
        status=400 if form.errors else 200,
    )


def _detail(
    request: HttpRequest,
    price_list: PriceList,
    *,
    form: PriceListForm | None = None,
    item_form: ItemForm | None = None,
    member_form: MemberForm | None = None,
) -> HttpResponse:
    initial = {
        "name": price_list.name,
        "priority": price_list.priority,
        "is_active": price_list.is_active,
        "valid_from": price_list.valid_from,
        "valid_until": price_list.valid_until,
        "vip_tier": price_list.vip_tier,
        "segment": price_list.segment_id,
    }
    bad = any(f is not None and f.errors for f in (form, item_form, member_form))
    return render(
        request,
        "portal/pricing/list.html",
        {
            "price_list": price_list,
            "form": form or PriceListForm(initial=initial),
            "item_form": item_form or ItemForm(),
            "member_form": member_form or MemberForm(),
            "items": price_list.items.select_related("product").order_by(
                "product__name", "min_quantity"
            ),
            "members": price_list.members.select_related("customer").order_by("customer__email"),
        },
        status=400 if bad else 200,
    )


@manager_required
@require_http_methods(["GET", "POST"])
def price_list(request: HttpRequest, public_id: str) -> HttpResponse:
    target = get_price_list_for(request.user, public_id)
    if request.method == "GET":
        return _detail(request, target)
    form = PriceListForm(request.POST)
    if form.is_valid():
        try:
            services.save_price_list(
                actor=request.user, price_list=target, **_list_fields(form.cleaned_data)
            )
        except services.PricingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Price list saved."))
            return redirect("portal:price_list", public_id=target.public_id)
    return _detail(request, target, form=form)


@manager_required
@require_POST
def price_list_item_save(request: HttpRequest, public_id: str) -> HttpResponse:
    target = get_price_list_for(request.user, public_id)
    form = ItemForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.save_item(
                price_list=target,
                product=data["product"],
                min_quantity=data["min_quantity"],
                fixed_price=data["fixed_price"],
                percent_off=data["percent_off"],
                actor=request.user,
            )
        except services.PricingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Price saved."))
            return redirect("portal:price_list", public_id=target.public_id)
    return _detail(request, target, item_form=form)


@manager_required
@require_POST
def price_list_item_delete(request: HttpRequest, public_id: str, item_id: int) -> HttpResponse:
    target = get_price_list_for(request.user, public_id)
    services.delete_item(item=get_item_for(request.user, target, item_id), actor=request.user)
    messages.success(request, _("Price removed."))
    return redirect("portal:price_list", public_id=target.public_id)


@manager_required
@require_POST
def price_list_customer_add(request: HttpRequest, public_id: str) -> HttpResponse:
    target = get_price_list_for(request.user, public_id)
    form = MemberForm(request.POST)
    if form.is_valid():
        customer = Customer.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if customer is None:
            form.add_error("email", _("No customer has this email address."))
        else:
            services.add_customer(price_list=target, customer=customer, actor=request.user)
            messages.success(request, _("The list now applies to this customer."))
            return redirect("portal:price_list", public_id=target.public_id)
    return _detail(request, target, member_form=form)


@manager_required
@require_POST
def price_list_customer_remove(
    request: HttpRequest, public_id: str, customer_id: str
) -> HttpResponse:
    target = get_price_list_for(request.user, public_id)
    customer = Customer.objects.filter(public_id=customer_id).first()
    if customer is not None:
        services.remove_customer(price_list=target, customer=customer, actor=request.user)
    return redirect("portal:price_list", public_id=target.public_id)
