"""Staff: find a product, adjust its stock with a reason, upload its image."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from rapport.catalog.models import Product
from rapport.catalog.services import CatalogError, set_product_image
from rapport.core.access import employee_required
from rapport.inventory.models import MoveReason
from rapport.inventory.queries import recent_moves, stock_levels
from rapport.inventory.services import StockError, adjust_stock

REASONS = [(r.value, r.label) for r in MoveReason if r != MoveReason.SALE]


class AdjustForm(forms.Form):
    delta = forms.IntegerField(label=_("Change (+/-)"), min_value=-100000, max_value=100000)
    reason = forms.ChoiceField(label=_("Reason"), choices=REASONS)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ImageForm(forms.Form):
    image = forms.FileField(label=_("Image (JPEG, PNG or WebP, up to 2 MB)"))


@employee_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100].strip()
    products = Product.objects.select_related("stock").order_by("name", "pk")
    if q:
        products = products.filter(Q(sku__iexact=q) | Q(name__icontains=q))
    page = Paginator(products, 50).get_page(request.GET.get("page"))
    return render(request, "portal/stock/list.html", {"page": page, "q": q})


@employee_required
@require_http_methods(["GET", "POST"])
def product_stock(request: HttpRequest, public_id: str) -> HttpResponse:
    product = get_object_or_404(Product, public_id=public_id)
    form = AdjustForm(request.POST if request.POST.get("form") == "adjust" else None)
    image_form = ImageForm(
        request.POST if request.POST.get("form") == "image" else None, request.FILES or None
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "adjust" and form.is_valid():
                adjust_stock(
                    product=product,
                    delta=form.cleaned_data["delta"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
                messages.success(request, _("Stock updated."))
                return redirect("portal:stock", public_id=product.public_id)
            if request.POST.get("form") == "image" and image_form.is_valid():
                set_product_image(
                    product=product, upload=image_form.cleaned_data["image"], actor=request.user
                )
                messages.success(request, _("Image uploaded."))
                return redirect("portal:stock", public_id=product.public_id)
        except StockError as exc:
            form.add_error(None, str(exc))
        except CatalogError as exc:
            image_form.add_error("image", str(exc))
    return render(
        request,
        "portal/stock/product.html",
        {
            "product": product,
            "quantity": stock_levels([product.pk])[product.pk],
            "moves": recent_moves(product.pk),
            "form": form,
            "image_form": image_form,
        },
        status=400 if request.method == "POST" else 200,
    )
