"""The configurator page (issue 21): click-first with htmx, a plain form without JavaScript.

Every change re-renders the panel from the server's state: which options are still possible
(and why not), the price so far, conflicts and "fix it for me". The form names options by
their codes; prices always come from the database.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.cart import services as cart_services
from rapport.cart.access import get_cart_for
from rapport.catalog.models import Product
from rapport.catalog.queries import product_for_cart
from rapport.configurator import services
from rapport.configurator.models import ConfigurableProduct, Freedom, Preset
from rapport.configurator.queries import configurable_for, freedom_message, load_spec, page_state
from rapport.configurator.solver import repair
from rapport.configurator.spec import MULTIPLE, ChoiceError, Spec, normalise
from rapport.customers.access import get_own_customer


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _configurable(public_id: UUID) -> tuple[Product, ConfigurableProduct]:
    product = product_for_cart(public_id)
    if product is None or not product.is_sellable:
        raise Http404
    configurable = configurable_for(product)
    if configurable is None:
        raise Http404
    return product, configurable


def _posted_choice(spec: Spec, data: Any) -> dict[str, Any]:
    """The choice a form sends: one field per group, named `g-<code>`; anything else (a price,
    another product's option) is ignored or refused by `normalise`."""
    raw: dict[str, Any] = {}
    for group in spec.groups:
        name = f"g-{group.code}"
        if group.kind == MULTIPLE:
            values = data.getlist(name)
            if values:
                raw[group.code] = values
        elif data.get(name, "") != "":
            raw[group.code] = data.get(name)
    return raw


def _preset_choice(configurable: ConfigurableProduct, raw_id: str | None) -> dict[str, Any]:
    try:
        preset = Preset.objects.filter(configurable=configurable, pk=int(raw_id or "")).first()
    except ValueError:
        preset = None
    return dict(preset.choice) if preset else {}


@require_http_methods(["GET", "POST"])
def configure(request: HttpRequest, public_id: UUID) -> HttpResponse:
    product, configurable = _configurable(public_id)
    spec = load_spec(configurable)
    error = ""
    action = request.POST.get("action", "check") if request.method == "POST" else "show"
    limited = configurable.freedom != Freedom.FULL
    if request.method == "POST":
        raw = (
            _preset_choice(configurable, request.POST.get("preset"))
            if limited
            else _posted_choice(spec, request.POST)
        )
        if limited:  # free text still counts with presets only (not for regulated goods)
            raw.update(
                {k: v for k, v in _posted_choice(spec, request.POST).items() if k not in raw}
                if configurable.freedom == Freedom.PRESETS
                else {}
            )
    else:
        raw = _preset_choice(configurable, request.GET.get("preset"))
    try:
        choice = normalise(spec, raw)
    except ChoiceError as exc:
        error, choice = str(exc), {}
    if action == "fix" and not limited:
        fixed = repair(spec, choice, keep=request.POST.get("changed", "")[:40])
        if fixed is None:
            error = _("Sorry: this product cannot be configured right now.")
        else:
            choice = fixed
    if action == "add" and not error:
        return _add(request, product, raw, spec)
    # The option groups are rendered (or read from the shared cache) by the panel's
    # `configurator_groups` tag: the solver runs only when this choice was not rendered before.
    state = page_state(spec, choice, options=False)
    context = {
        "product": product,
        "configurable": configurable,
        "limited": limited,
        "freedom_message": freedom_message(configurable.freedom),
        "presets": list(Preset.objects.filter(configurable=configurable)) if limited else [],
        "state": state,
        "error": error,
        "choice": choice,
        "spec": spec,
    }
    template = "storefront/configurator/_panel.html" if _is_htmx(request) else None
    return render(request, template or "storefront/configurator/page.html", context)


def _add(request: HttpRequest, product: Product, raw: dict[str, Any], spec: Spec) -> HttpResponse:
    try:
        configured = services.configure(product=product, raw_choice=raw)
        quantity = cart_services.parse_quantity(request.POST.get("quantity", "1"))
        cart = get_cart_for(request, create=True)
        assert cart is not None
        cart_services.add_to_cart(
            cart=cart, product=product, quantity=quantity, configured=configured
        )
    except (services.ConfigurationError, cart_services.CartError) as exc:
        if _is_htmx(request):
            choice = _safe_choice(spec, raw)
            return render(
                request,
                "storefront/configurator/_panel.html",
                {
                    "product": product,
                    "state": page_state(spec, choice, options=False),
                    "error": str(exc),
                    "spec": spec,
                    "choice": choice,
                },
                status=422,
            )
        messages.error(request, str(exc))
        return redirect("storefront:configure", public_id=product.public_id)
    messages.success(request, _("“%(name)s” is in your cart.") % {"name": product.name})
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("storefront:cart")
        return response
    return redirect("storefront:cart")


def _safe_choice(spec: Spec, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return normalise(spec, raw)
    except ChoiceError:
        return {}


@require_POST
def custom_request(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """ "Anything else?": a signed-in customer's wish for a product, kept on their timeline."""
    product = product_for_cart(public_id)
    if product is None:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(product.get_absolute_url())
    customer = get_own_customer(request.user)
    try:
        services.record_custom_request(
            product=product,
            text=request.POST.get("text", ""),
            customer=customer,
            actor=request.user,
        )
    except services.ConfigurationError as exc:
        message, ok = str(exc), False
    else:
        message, ok = _("Thank you: we read every request."), True
    if _is_htmx(request):
        return render(
            request, "storefront/configurator/_request_done.html", {"message": message, "ok": ok}
        )
    (messages.success if ok else messages.error)(request, message)
    back = request.POST.get("back", "")
    if back == "configure" and configurable_for(product) is not None:
        return redirect("storefront:configure", public_id=product.public_id)
    return redirect(product.get_absolute_url())
