"""Managers: the shop's legal details printed on receipts and mails."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rapport.core.access import manager_required
from rapport.core.models import ShopDetails
from rapport.core.shop import FIELDS, shop_details, update_shop_details


class ShopDetailsForm(forms.ModelForm):
    class Meta:
        model = ShopDetails
        fields = FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 4})}


@manager_required
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    current = shop_details()
    form = ShopDetailsForm(request.POST or None, instance=ShopDetails(pk=1))
    if request.method == "GET":
        form = ShopDetailsForm(instance=current)
    elif form.is_valid():
        update_shop_details(
            actor=request.user, **{name: form.cleaned_data[name] for name in FIELDS}
        )
        messages.success(request, _("Shop details saved. Receipts and mails print them now."))
        return redirect("portal:shop_details")
    return render(request, "portal/shop/details.html", {"form": form})
