"""The cart page and its click-first edits (htmx swaps the cart fragment; plain POSTs redirect)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.cart import services
from rapport.cart.access import cart_view_for, get_cart_for
from rapport.catalog.models import Product
from rapport.catalog.queries import product_for_cart


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _product(raw: str | None, *, sellable: bool = True) -> Product:
    """The product a form names by public id (never by price: prices come from the database)."""
    try:
        public_id = UUID(str(raw or ""))
    except ValueError as exc:
        raise Http404 from exc
    product = product_for_cart(public_id)
    if product is None or (sellable and not product.is_sellable):
        raise Http404
    return product


def _respond(request: HttpRequest, error: str = "") -> HttpResponse:
    if _is_htmx(request):
        view = cart_view_for(request)
        return render(request, "storefront/cart/_cart.html", {"view": view, "error": error})
    if error:
        messages.error(request, error)
    return redirect("storefront:cart")


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/cart/cart.html", {"view": cart_view_for(request)})


@require_POST
def add(request: HttpRequest, public_id: str | None = None) -> HttpResponse:
    # The product comes from the URL (/cart/add/<id>/) or the form; never its price.
    product = _product(str(public_id) if public_id else request.POST.get("product"))
    if product.built_to_order:
        # Built to order (issue 21): its options are chosen on the configurator page first.
        return _to_configurator(request, product)
    try:
        quantity = services.parse_quantity(request.POST.get("quantity", "1"))
        cart = get_cart_for(request, create=True)
        assert cart is not None
        services.add_to_cart(cart=cart, product=product, quantity=quantity)
    except services.CartError as exc:
        if _is_htmx(request):
            return render(request, "storefront/cart/_added.html", {"error": str(exc)})
        messages.error(request, str(exc))
        return redirect(product.get_absolute_url())
    if _is_htmx(request):
        return render(request, "storefront/cart/_added.html", {"product": product})
    messages.success(request, _("“%(name)s” is in your cart.") % {"name": product.name})
    return redirect("storefront:cart")


def _to_configurator(request: HttpRequest, product: Product) -> HttpResponse:
    url = reverse("storefront:configure", kwargs={"public_id": product.public_id})
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    messages.info(request, _("Choose the options of “%(name)s” first.") % {"name": product.name})
    return redirect(url)


@require_POST
def update(request: HttpRequest) -> HttpResponse:
    cart = get_cart_for(request)
    if cart is None:
        return _respond(request, "")
    product = _product(request.POST.get("product"), sellable=False)
    # One form per cart line: its buttons send action=dec|inc|remove, the field (or Enter) "set".
    action = request.POST.get("action", "set")
    # A configured product's line is named by its configuration key too (`configurator`).
    key = request.POST.get("configuration", "")[:32]
    try:
        if action == "remove":
            services.remove_line(cart=cart, product=product, configuration_key=key)
            return _respond(request)
        line = cart.lines.filter(product=product, configuration_key=key).first()
        current = line.quantity if line else 0
        if action == "inc":
            quantity = current + 1
        elif action == "dec":
            quantity = current - 1
        else:
            quantity = services.parse_quantity(request.POST.get("quantity"))
        if quantity > 0:
            quantity = services.parse_quantity(quantity)
        services.set_line_quantity(
            cart=cart, product=product, quantity=max(quantity, 0), configuration_key=key
        )
    except services.CartError as exc:
        return _respond(request, str(exc))
    return _respond(request)


@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    cart = get_cart_for(request)
    if cart is not None:
        product = _product(request.POST.get("product"), sellable=False)
        key = request.POST.get("configuration", "")[:32]
        try:
            services.remove_line(cart=cart, product=product, configuration_key=key)
        except services.CartError as exc:
            return _respond(request, str(exc))
    return _respond(request)


@require_POST
def accept_prices(request: HttpRequest) -> HttpResponse:
    cart = get_cart_for(request)
    if cart is not None:
        try:
            services.accept_current_prices(cart=cart)
        except services.CartError as exc:
            return _respond(request, str(exc))
    return _respond(request)
