"""Staff: write and publish upgrade notices to every past buyer of a product."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.aftersales.access import get_notice_for_staff
from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.queries import notices_with_counts, skip_reasons
from rapport.aftersales.upgrades import create_notice, publish_notice
from rapport.catalog.models import Product
from rapport.core.access import employee_required


def _product(raw: str) -> Product | None:
    if not raw.strip():
        return None
    try:
        return Product.objects.get(sku=raw.strip())
    except Product.DoesNotExist as exc:
        raise AftersalesError(_("No product with SKU %(s)s.") % {"s": raw.strip()}) from exc


@employee_required
@require_http_methods(["GET", "POST"])
def notices(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            product = _product(request.POST.get("product_sku", ""))
            if product is None:
                raise AftersalesError(_("Give the SKU of the product bought."))
            create_notice(
                product=product,
                new_product=_product(request.POST.get("new_product_sku", "")),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                actor=request.user,
            )
        except AftersalesError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Notice saved. Publish it to send it."))
            return redirect("portal:upgrades")
    listed = list(notices_with_counts()[:100])
    reasons = skip_reasons(listed)
    for notice in listed:
        notice.skip_reasons = reasons.get(notice.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "portal/upgrades/list.html",
        {"notices": listed, "error": error},
        status=400 if error else 200,
    )


@employee_required
@require_POST
def publish(request: HttpRequest, public_id: str) -> HttpResponse:
    notice = get_notice_for_staff(request.user, public_id)
    publish_notice(notice=notice, actor=request.user)
    messages.success(request, _("Published: every past buyer gets it once."))
    return redirect("portal:upgrades")
