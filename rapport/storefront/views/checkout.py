"""Checkout in two honest steps: details (address, shipping, payment) → verify and confirm."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.cart.access import get_cart_for
from rapport.cart.queries import cart_view
from rapport.checkout import services
from rapport.checkout.models import Address
from rapport.checkout.payment_confirmation import check_with_provider, settle
from rapport.checkout.queries import awaiting_payment, paid_by_card, placed_order_for
from rapport.checkout.shipping import METHODS, free_shipping_threshold, get_method
from rapport.credit.queries import payment_terms
from rapport.customers.models import Customer
from rapport.customers.services import create_customer_for_user
from rapport.delivery.services import promise_for_checkout
from rapport.inventory.services import OutOfStock
from rapport.loyalty.queries import balance_of
from rapport.loyalty.rules import most_points_for, value_of
from rapport.loyalty.services import PointsError
from rapport.orders.access import get_order_for
from rapport.orders.models import OrderStatus
from rapport.payments.models import PaymentMethod
from rapport.payments.providers import ProviderError, WebhookSignatureError, get_provider
from rapport.payments.queries import wallet_balance
from rapport.payments.services import PaymentError
from rapport.risk.services import note_payment_declined

SESSION_KEY = "checkout"
# The return page reloads itself this often while the provider has not confirmed the payment.
RETURN_PAGE_REFRESH_SECONDS = 3


class AddressForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    line1 = forms.CharField(label=gettext_lazy("Address"), max_length=255)
    line2 = forms.CharField(label=gettext_lazy("Address (line 2)"), max_length=255, required=False)
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), max_length=20)
    city = forms.CharField(label=gettext_lazy("City"), max_length=120)
    country = forms.CharField(label=gettext_lazy("Country"), max_length=80)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)


def _customer(user: Any) -> Customer:
    return Customer.objects.filter(user=user).first() or create_customer_for_user(user=user)


def _payment_choices(customer: Customer) -> list[tuple[str, str]]:
    """The modes the customer's credit rating allows (`credit.queries.payment_terms`)."""
    return [
        (str(method), str(PaymentMethod(method).label))
        for method in payment_terms(customer).methods()
    ]


def _attempt_key(request: HttpRequest, cart_public_id: str) -> str:
    """One idempotency key per cart checkout, shared by every tab of this session."""
    keys = request.session.setdefault("checkout_keys", {})
    if cart_public_id not in keys:
        keys[cart_public_id] = uuid.uuid4().hex
        request.session.modified = True
    return str(keys[cart_public_id])


@login_required
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    cart = get_cart_for(request)
    view = cart_view(cart)
    if not view.lines:
        messages.error(request, _("Your cart is empty."))
        return redirect("storefront:cart")
    customer = _customer(request.user)
    addresses = list(Address.objects.filter(customer=customer))
    choices = _payment_choices(customer)
    chosen = request.session.get(SESSION_KEY, {})
    points_balance = balance_of(customer)
    most_points = most_points_for(view.total, points_balance)
    address_form = AddressForm(prefix="new")
    errors: list[str] = []
    if request.method == "POST":
        address_id = request.POST.get("address", "")
        if address_id == "new" or not addresses:
            address_form = AddressForm(request.POST, prefix="new")
            if address_form.is_valid():
                address = services.save_address(
                    customer=customer, actor=request.user, **address_form.cleaned_data
                )
                address_id = str(address.public_id)
            else:
                errors.append(_("Check the new address."))
        elif not any(str(a.public_id) == address_id for a in addresses):
            errors.append(_("Choose one of your delivery addresses."))
        shipping = request.POST.get("shipping", "")
        payment = request.POST.get("payment", "")
        if get_method(shipping) is None:
            errors.append(_("Choose a shipping method."))
        if payment not in {c[0] for c in choices}:
            errors.append(_("Choose a payment method."))
        points = _points(request.POST.get("points"), most_points)
        if points is None:
            errors.append(_("Spend between 0 and %(most)s points.") % {"most": most_points})
        if not errors:
            request.session[SESSION_KEY] = {
                "address": address_id,
                "shipping": shipping,
                "payment": payment,
                "points": points,
            }
            return redirect("storefront:checkout_verify")
        chosen = {"address": address_id, "shipping": shipping, "payment": payment}
    return render(
        request,
        "storefront/checkout/details.html",
        {
            "view": view,
            "addresses": addresses,
            "address_form": address_form,
            "methods": [(m, m.cost_for(view.subtotal)) for m in METHODS.values()],
            "free_over": free_shipping_threshold(),
            "payment_choices": choices,
            "wallet_balance": wallet_balance(customer),
            "points_balance": points_balance,
            "most_points": most_points,
            "chosen": chosen,
            "errors": errors,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    customer = _customer(request.user)
    if request.method == "POST":
        # A double click or a retry after the order went through: show the order, not an error.
        done = placed_order_for(customer, request.POST.get("idempotency_key", ""))
        if done is not None:
            if awaiting_payment(done) is not None:
                return redirect("storefront:checkout_return", public_id=done.public_id)
            return redirect("storefront:order", public_id=done.public_id)
    cart = get_cart_for(request)
    view = cart_view(cart)
    chosen = request.session.get(SESSION_KEY) or {}
    address = None
    if chosen.get("address"):
        address = Address.objects.filter(customer=customer, public_id=chosen["address"]).first()
    method = get_method(chosen.get("shipping", ""))
    if cart is None or not view.lines or address is None or method is None:
        messages.error(request, _("Please choose your delivery details first."))
        return redirect("storefront:checkout" if view.lines else "storefront:cart")
    key = _attempt_key(request, str(cart.public_id))
    error = ""
    if request.method == "POST":
        if view.blocking:
            error = _("Some items changed: check your cart before confirming.")
        else:
            try:
                order = services.place_order(
                    cart=cart,
                    customer=customer,
                    address=address,
                    shipping_method=method.code,
                    payment_method=chosen.get("payment", ""),
                    idempotency_key=request.POST.get("idempotency_key", ""),
                    actor=request.user,
                    card_number=request.POST.get("card_number", ""),
                    points=int(chosen.get("points") or 0),
                )
            except (services.CheckoutError, OutOfStock, PaymentError, PointsError) as exc:
                if isinstance(exc, PaymentError) and chosen.get("payment") == "card":
                    note_payment_declined(user=request.user)  # a fraud signal (issue 19)
                error = str(exc)
            else:
                request.session.pop(SESSION_KEY, None)
                request.session.get("checkout_keys", {}).pop(str(cart.public_id), None)
                request.session.modified = True
                pending = awaiting_payment(order)
                if pending is not None and pending.pay_url:
                    # The provider's hosted page (Stripe Checkout); it sends the customer back
                    # to `checkout_return`, which waits for the provider's confirmation.
                    return redirect(pending.pay_url)
                messages.success(request, _("Thank you! Your order is confirmed."))
                return redirect("storefront:order", public_id=order.public_id)
    # As place_order counts: loyalty points after the other discounts, shipping on what is left.
    points = int(chosen.get("points") or 0)
    points_amount = value_of(points)
    goods = view.total - points_amount
    shipping = method.cost_for(goods)
    payment = chosen.get("payment", "")
    provider = get_provider()
    # The same call place_order makes: the promise shown is the one stored and mailed.
    promise = promise_for_checkout(
        items=[(line["product_id"], line["quantity"]) for line in view.lines],
        postal_code=address.postal_code,
        country=address.country,
        placed_at=timezone.now(),
        transit=method.transit,
    )
    return render(
        request,
        "storefront/checkout/verify.html",
        {
            "view": view,
            "address": address,
            "method": method,
            "shipping": shipping,
            "points": points,
            "points_amount": points_amount,
            "total": goods + shipping,
            "payment": payment,
            "payment_label": PaymentMethod(payment).label
            if payment in PaymentMethod.values
            else "",
            "is_card": payment == PaymentMethod.CARD,
            "provider_is_test": provider.is_test,
            "card_in_page": provider.collects_card_in_page,
            "card_methods": _hosted_methods(provider),
            "wallet_balance": wallet_balance(customer),
            "idempotency_key": key,
            "error": error,
            "promise": promise,
        },
        status=400 if error else 200,
    )


def _points(raw: str | None, most: int) -> int | None:
    """The points the customer chose to spend (blank: none), or None when out of range."""
    try:
        points = int((raw or "0").strip() or "0")
    except ValueError:
        return None
    return points if 0 <= points <= most else None


def _hosted_methods(provider: Any) -> list[str]:
    """How the customer can pay on the hosted page, in words (not for the in-page test form)."""
    if provider.collects_card_in_page:
        return []
    names = {
        "card": _("Card"),
        "alipay": _("Alipay"),
        "wechat_pay": _("WeChat Pay"),
    }
    return [str(names.get(m, m)) for m in settings.RAPPORT_STRIPE_PAYMENT_METHOD_TYPES]


@login_required
@require_GET
def payment_return(request: HttpRequest, public_id: str) -> HttpResponse:
    """Where the hosted payment page sends the customer back. Coming back proves nothing: the
    order is paid only when the provider says so — its webhook, or our own server asking it
    here. Until then the page waits (it reloads itself) and offers the payment page again."""
    order = get_order_for(request.user, public_id)
    if awaiting_payment(order) is not None:
        check_with_provider(order)
        order.refresh_from_db()
    pending = awaiting_payment(order)
    if pending is None and order.status != OrderStatus.CANCELLED:
        if paid_by_card(order):
            messages.success(request, _("Payment received. Thank you! Your order is confirmed."))
        return redirect("storefront:order", public_id=order.public_id)
    return render(
        request,
        "storefront/checkout/return.html",
        {
            "order": order,
            "pending": pending,
            "left_page": request.GET.get("cancelled") == "1",
            "refresh_seconds": RETURN_PAGE_REFRESH_SECONDS,
        },
    )


@csrf_exempt  # called by the payment provider's servers; authenticated by its signature
@require_POST
def payment_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        gateway = get_provider(provider)
    except ProviderError:
        return HttpResponse(status=404)
    try:
        event = gateway.parse_webhook(
            body=request.body, signature=request.headers.get(gateway.signature_header, "")
        )
    except WebhookSignatureError:
        return HttpResponseBadRequest("bad signature")
    if event.state is not None:
        # An error here answers 500, so the provider delivers the event again later (its
        # event id is only recorded when the whole change commits).
        settle(provider=gateway.name, state=event.state, event_id=event.event_id, kind=event.kind)
    return HttpResponse("ok")
