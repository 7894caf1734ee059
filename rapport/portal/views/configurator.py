"""Managers' configurator pages (issue 21): the list, the editor with its feasibility check,
and the custom-requests report ("make it an option")."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.catalog.models import Product
from rapport.configurator import editor, wishes
from rapport.configurator.models import (
    ConfigurableProduct,
    Freedom,
    GroupKind,
    Rule,
    RuleKind,
)
from rapport.core.access import manager_required


def _configurable(public_id: UUID) -> ConfigurableProduct:
    found = (
        ConfigurableProduct.objects.select_related("product")
        .filter(product__public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@manager_required
@require_http_methods(["GET", "POST"])
def configurator_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        product = Product.objects.filter(sku=request.POST.get("sku", "").strip()).first()
        if product is None:
            messages.error(request, _("No product with that SKU."))
            return redirect("portal:configurator_list")
        editor.make_configurable(product=product, actor=request.user)
        return redirect("portal:configurator_edit", public_id=product.public_id)
    items = ConfigurableProduct.objects.select_related("product").order_by("product__name")
    return render(request, "portal/configurator/list.html", {"items": items})


@manager_required
@require_GET
def configurator_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    conf = _configurable(public_id)
    groups = list(conf.groups.prefetch_related("options"))
    rules = list(Rule.objects.filter(configurable=conf).prefetch_related("when", "then"))
    context = {
        "conf": conf,
        "product": conf.product,
        "groups": groups,
        "rules": rules,
        "presets": list(conf.presets.all()),
        "never": editor.never_possible(conf),
        "freedoms": Freedom.choices,
        "group_kinds": GroupKind.choices,
        "rule_kinds": RuleKind.choices,
        # "Make it an option" from the custom-requests report fills the option form.
        "suggested_name": request.GET.get("name", "")[:120],
    }
    return render(request, "portal/configurator/edit.html", context)


@manager_required
@require_POST
def configurator_change(request: HttpRequest, public_id: UUID) -> HttpResponse:
    conf = _configurable(public_id)
    try:
        editor.edit(
            configurable=conf,
            what=request.POST.get("what", ""),
            data=request.POST,
            actor=request.user,
        )
    except editor.EditError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("portal:configurator_edit", public_id=public_id)


@manager_required
@require_GET
def custom_requests(request: HttpRequest) -> HttpResponse:
    report = wishes.wishes_by_product()
    configurable = set(
        ConfigurableProduct.objects.filter(
            product_id__in=[p.product_id for p in report]
        ).values_list("product_id", flat=True)
    )
    return render(
        request,
        "portal/configurator/requests.html",
        {"report": report, "configurable": configurable},
    )
