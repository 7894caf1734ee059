"""A product chooser for the content admin (pages feature products): searches the catalogue by
name or SKU with one indexed query, not Wagtail's search index."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet


class ProductFilterForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("Name or SKU")}),
        required=False,
    )

    def filter(self, objects: QuerySet[Any]) -> QuerySet[Any]:
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(Q(name__icontains=query) | Q(sku__iexact=query))
            self.is_searching = True
            self.search_query = query
        return objects


class ProductChooseView(ChooseView):
    filter_form_class = ProductFilterForm
    ordering = ["name", "pk"]


class ProductChooseResultsView(ChooseResultsView):
    filter_form_class = ProductFilterForm
    ordering = ["name", "pk"]


class ProductChooserViewSet(ChooserViewSet):
    model = "catalog.Product"
    icon = "tag"
    choose_one_text = _("Choose a product")
    choose_another_text = _("Choose another product")
    edit_item_text = _("Edit this product")
    per_page = 20
    choose_view_class = ProductChooseView
    choose_results_view_class = ProductChooseResultsView


product_chooser_viewset = ProductChooserViewSet("product_chooser")
