"""Placing an order: one atomic, idempotent service, and saving delivery addresses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, PositiveIntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.cart.discounts import cart_discounts, discount_total
from rapport.cart.models import Cart, CartLine, CartStatus
from rapport.catalog.models import Product
from rapport.checkout.models import Address
from rapport.checkout.shipping import get_method
from rapport.configurator.queries import configurable_product_ids
from rapport.configurator.services import ConfigurationError, Configured, configure_for_order
from rapport.core import audit
from rapport.core.money import line_total
from rapport.credit.queries import payment_terms
from rapport.credit.services import issue_invoice
from rapport.customers.models import Customer
from rapport.delivery.services import later_by_working_days, promise_for_checkout
from rapport.inventory.services import OutOfStock, take_stock_for_order
from rapport.loyalty.services import PointsError, reserve_points, spend_points
from rapport.orders.models import LineKind, Order, OrderLine
from rapport.orders.netting import allocate_discounts
from rapport.orders.numbers import new_order_number
from rapport.orders.receipts import queue_order_confirmation
from rapport.payments.models import PaymentMethod, PaymentStatus
from rapport.payments.services import CreditNotAllowed, PaymentError, record_payment
from rapport.pricing.queries import prices_for
from rapport.risk.history import note_order_placed
from rapport.risk.services import assess_order

CHECKOUT_METHODS = (
    PaymentMethod.CASH_ON_DELIVERY,
    PaymentMethod.WALLET,
    PaymentMethod.CARD,
    PaymentMethod.CREDIT_TERMS,
)


class CheckoutError(Exception):
    """An order that cannot be placed; the message is safe to show. Nothing was written."""


@dataclass(frozen=True)
class NegotiatedLine:
    """One line of an agreed deal: a product, how many, and the unit price agreed for it."""

    product_id: int
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class NegotiatedDeal:
    """Lines and unit prices agreed between the shop and a customer (an accepted quote version).

    Built only by the negotiating domain from its own locked, immutable rows (see
    `rapport.quotes.services.accept_quote`) — never from a form. `reference` names the deal on
    the order's audit entry ("quote Q-000012 v3").
    """

    reference: str
    lines: tuple[NegotiatedLine, ...]


@dataclass(frozen=True)
class _PricedLine:
    product: Product
    quantity: int
    unit_price: Decimal
    price_list_id: int | None = None  # the price list that gave `unit_price`, if any
    # A configured product's choices (`configurator`), the parts they take from stock
    # ((product id, per unit), ...) and the days it takes to build.
    configuration: dict[str, Any] = field(default_factory=dict)
    components: tuple[tuple[int, int], ...] = ()
    lead_days: int = 0

    @property
    def product_id(self) -> int:
        return int(self.product.pk)


def save_address(*, customer: Customer, actor: Any, **fields: str) -> Address:
    """Add a delivery address to a customer's book."""
    allowed = {"name", "line1", "line2", "city", "postal_code", "country", "phone"}
    data = {k: (v or "").strip() for k, v in fields.items() if k in allowed}
    for required in ("name", "line1", "city", "postal_code", "country"):
        if not data.get(required):
            raise CheckoutError(_("Fill in name, address, city, postal code and country."))
    with transaction.atomic():
        address = Address.objects.create(customer=customer, **data)
        audit.record(
            action="address.added",
            actor=actor,
            target=address,
            customer=customer,
            summary="Delivery address added",
        )
        return address


def _existing(idempotency_key: str, customer: Customer) -> Order | None:
    order = Order.objects.filter(idempotency_key=idempotency_key).first()
    if order is not None and order.customer_id != customer.pk:
        # Someone else's key: never reveal or reuse their order.
        raise CheckoutError(_("This checkout has expired. Please review your cart again."))
    return order


def place_order(
    *,
    cart: Cart,
    customer: Customer,
    address: Address,
    shipping_method: str,
    payment_method: str,
    idempotency_key: str,
    actor: Any,
    card_number: str = "",
    points: int = 0,
) -> Order:
    """Turn a cart into an order, all or nothing, exactly once per `idempotency_key`.

    In one transaction: lock the cart, price every line from the database, take stock (fixed
    order, conditional updates, ledger rows), write the order, its lines and totals, take or
    record the payment, close the cart, add one audit entry to the customer's timeline and queue
    the confirmation in the messaging outbox. After commit: capture a card payment; the outbox
    sends the confirmation, with the e-receipt PDF rendered by the sender (a Celery worker, or
    after the response without one), and retries it through an SMTP outage.

    A replay with the same key (double click, retry, second tab) returns the order already placed.
    Raises `CheckoutError` (empty, foreign or closed cart, bad address or method), `OutOfStock`
    or a `PaymentError` (declined card, insufficient store credit, credit terms refused); in
    every case nothing is written.

    Each line is priced for this customer (`pricing.queries.prices_for`: their price lists and
    quantity tiers, never a price stored in the cart), and `points` loyalty points pay for part
    of the goods (`loyalty.services`; `PointsError` when the balance or the limit is short).
    """
    found = _replayed(idempotency_key, customer)
    if found is not None:
        return found
    method = _checked_method(customer, address, shipping_method, payment_method)
    return _once(
        idempotency_key,
        customer,
        lambda: _place(
            cart=cart,
            customer=customer,
            address=address,
            method=method,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
            actor=actor,
            card_number=card_number,
            points=points,
        ),
    )


def _replayed(idempotency_key: str, customer: Customer) -> Order | None:
    """The order an earlier attempt with this key placed, if any; a missing or overlong key is
    an expired checkout."""
    if not idempotency_key or len(idempotency_key) > 64:
        raise CheckoutError(_("This checkout has expired. Please review your cart again."))
    return _existing(idempotency_key, customer)


def _once(idempotency_key: str, customer: Customer, place: Callable[[], Order]) -> Order:
    """Run `place` in its own transaction; when a concurrent attempt with the same key won the
    race (the key is unique), hand back that attempt's order."""
    try:
        with transaction.atomic():
            return place()
    except IntegrityError:
        found = _existing(idempotency_key, customer)
        if found is None:
            raise
        return found


def _checked_method(
    customer: Customer, address: Address, shipping_method: str, payment_method: str
) -> Any:
    method = get_method(shipping_method)
    if method is None:
        raise CheckoutError(_("Choose a shipping method."))
    if payment_method not in CHECKOUT_METHODS:
        raise CheckoutError(_("Choose a payment method."))
    if address.customer_id != customer.pk:
        raise CheckoutError(_("Choose one of your delivery addresses."))
    return method


def place_negotiated_order(
    *,
    deal: NegotiatedDeal,
    customer: Customer,
    address: Address,
    shipping_method: str,
    payment_method: str,
    idempotency_key: str,
    actor: Any,
    card_number: str = "",
) -> Order:
    """Place an order for the lines and unit prices of an agreed deal, exactly as `place_order`
    places a cart: the same transaction, stock locks, payment-mode check against the customer's
    credit rating, payment, risk score, audit entry, confirmation mail and idempotency — only
    the unit prices come from `deal` instead of the catalogue, and no cart is involved (bundle
    discounts do not apply on top of a negotiated price). The order's `source` is "quote".

    Call it inside the caller's transaction, after locking what the deal came from, so the deal
    cannot change underneath. Raises what `place_order` raises (`CheckoutError` also for a
    product no longer on sale or an empty deal); in every case nothing is written.
    """
    found = _replayed(idempotency_key, customer)
    if found is not None:
        return found
    method = _checked_method(customer, address, shipping_method, payment_method)
    if not deal.lines or any(d.quantity < 1 or d.unit_price < 0 for d in deal.lines):
        raise CheckoutError(_("This offer has no lines to order."))
    products = Product.objects.in_bulk([d.product_id for d in deal.lines])
    priced = []
    for line in deal.lines:
        product = products.get(line.product_id)
        if product is None or not product.is_active:
            name = product.name if product is not None else str(line.product_id)
            raise CheckoutError(_("“%(name)s” is no longer on sale.") % {"name": name})
        priced.append(_PricedLine(product, line.quantity, line.unit_price))
    return _once(
        idempotency_key,
        customer,
        lambda: _record_order(
            lines=priced,
            discounts=[],
            customer=customer,
            address=address,
            method=method,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
            actor=actor,
            card_number=card_number,
            source="quote",
            reference=deal.reference,
        ),
    )


def place_draft_order(
    *,
    items: Sequence[tuple[int, int]],
    customer: Customer,
    address: Address,
    shipping_method: str,
    payment_method: str,
    idempotency_key: str,
    actor: Any,
    reference: str,
) -> Order:
    """Place an order for (product id, quantity) items prepared as a draft order (`drafts`),
    exactly as `place_order` places a cart: each line priced for this customer from the database
    (price lists, quantity tiers), bundle discounts, stock locks, payment mode checked against
    the customer's credit rating, payment, risk score, audit entry, confirmation mail and
    idempotency on `idempotency_key`. The order's `source` is "draft".

    Call it inside the caller's transaction, after locking the draft. Raises what `place_order`
    raises (`CheckoutError` also for a product no longer on sale, a configurable product —
    those are configured in the store — or no items); in every case nothing is written.
    """
    found = _replayed(idempotency_key, customer)
    if found is not None:
        return found
    method = _checked_method(customer, address, shipping_method, payment_method)
    if not items or any(quantity < 1 for _pid, quantity in items):
        raise CheckoutError(_("This draft has no lines to order."))
    products = Product.objects.in_bulk([pid for pid, _q in items])
    for pid, _q in items:
        product = products.get(pid)
        if product is None or not product.is_active or not product.price:
            name = product.name if product is not None else str(pid)
            raise CheckoutError(_("“%(name)s” is no longer on sale.") % {"name": name})
    if configurable_product_ids(list(products)):
        raise CheckoutError(_("A product with options is ordered in the store, not as a draft."))
    prices = prices_for(
        [(pid, products[pid].price or Decimal(0), quantity) for pid, quantity in items],
        customer_id=customer.pk,
        at=timezone.now(),
    )
    priced = [
        _PricedLine(
            products[pid],
            quantity,
            prices[pid].unit_price,
            price_list_id=prices[pid].price_list_id,
        )
        for pid, quantity in items
    ]
    discounts = cart_discounts((p.product_id, p.unit_price, p.quantity) for p in priced)
    return _once(
        idempotency_key,
        customer,
        lambda: _record_order(
            lines=priced,
            discounts=discounts,
            customer=customer,
            address=address,
            method=method,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
            actor=actor,
            card_number="",
            source="draft",
            reference=reference,
        ),
    )


def _place(
    *,
    cart: Cart,
    customer: Customer,
    address: Address,
    method: Any,
    payment_method: str,
    idempotency_key: str,
    actor: Any,
    card_number: str,
    points: int = 0,
) -> Order:
    # The cart lock serialises every attempt on this cart, so a second tab waits here and then
    # finds the order the first one placed.
    locked = Cart.objects.select_for_update().filter(pk=cart.pk).first()
    found = _existing(idempotency_key, customer)
    if found is not None:
        return found
    if locked is None or locked.user_id is None or locked.user_id != customer.user_id:
        raise CheckoutError(_("This cart is not yours. Please review your cart again."))
    if locked.status != CartStatus.OPEN:
        raise CheckoutError(_("This cart has already been checked out."))
    lines = list(CartLine.objects.filter(cart=locked).select_related("product").order_by("id"))
    if not lines:
        raise CheckoutError(_("Your cart is empty."))
    for line in lines:
        if not line.product.is_active or not line.product.price:
            raise CheckoutError(
                _("“%(name)s” is no longer on sale: remove it from your cart.")
                % {"name": line.product.name}
            )
    now = timezone.now()
    # The customer's unit prices (price lists, quantity tiers), as the cart page showed them.
    customer_prices = prices_for(
        [(li.product_id, li.product.price or Decimal(0), li.quantity) for li in lines],
        customer_id=customer.pk,
        at=now,
    )
    # Configured products (`configurator`): each configuration checked and priced again here;
    # its options' price difference comes on top of the customer's unit price.
    configured = _configured_lines(lines)
    priced = []
    for line in lines:
        chosen = configured.get(line.pk)
        priced.append(
            _PricedLine(
                line.product,
                line.quantity,
                customer_prices[line.product_id].unit_price + (chosen.delta if chosen else 0),
                price_list_id=customer_prices[line.product_id].price_list_id,
                configuration=chosen.stored() if chosen else {},
                components=tuple(chosen.components) if chosen else (),
                lead_days=chosen.lead_days if chosen else 0,
            )
        )
    # Bundle prices, computed exactly as the cart page shows them; one discount line each.
    discounts = cart_discounts((p.product_id, p.unit_price, p.quantity) for p in priced)
    order = _record_order(
        lines=priced,
        discounts=discounts,
        customer=customer,
        address=address,
        method=method,
        payment_method=payment_method,
        idempotency_key=idempotency_key,
        actor=actor,
        card_number=card_number,
        source="web",
        reference="",
        points=points,
    )
    locked.status = CartStatus.ORDERED
    locked.save(update_fields=["status", "updated_at"])
    return order


def _record_order(
    *,
    lines: Sequence[_PricedLine],
    discounts: list[Any],
    customer: Customer,
    address: Address,
    method: Any,
    payment_method: str,
    idempotency_key: str,
    actor: Any,
    card_number: str,
    source: str,
    reference: str,
    points: int = 0,
) -> Order:
    subtotal = sum((line_total(line.unit_price, line.quantity) for line in lines), Decimal("0.00"))
    # Loyalty points last: they pay for part of what the goods cost after the other discounts.
    spent = reserve_points(
        customer=customer, points=points, goods=subtotal - discount_total(discounts)
    )
    if spent is not None:
        discounts = [*discounts, spent]
    discount = discount_total(discounts)
    # Each discount spread over the lines it concerns, so every line records what was paid.
    line_discounts = allocate_discounts(
        [(line.product_id, line_total(line.unit_price, line.quantity)) for line in lines],
        discounts,
    )
    shipping = method.cost_for(subtotal - discount)
    # The customer's credit rating decides the modes (read here, in the order's transaction, so
    # a rating change or an overdue invoice applies to the very next attempt).
    if payment_method not in payment_terms(customer).methods(subtotal - discount + shipping):
        if payment_method == PaymentMethod.CREDIT_TERMS:
            raise CreditNotAllowed(_("Credit terms are not available on your account."))
        raise CheckoutError(_("This payment method is not available for this order."))
    now = timezone.now()
    promise = promise_for_checkout(
        items=[(line.product_id, line.quantity) for line in lines],
        postal_code=address.postal_code,
        country=address.country,
        placed_at=now,
        transit=method.transit,
    )
    build_days = max((line.lead_days for line in lines), default=0)
    order = Order.objects.create(
        number=new_order_number(),
        customer=customer,
        currency=settings.RAPPORT_CURRENCY,
        subtotal=subtotal,
        shipping_total=shipping,
        total=subtotal - discount + shipping,
        placed_at=now,
        idempotency_key=idempotency_key,
        payment_method=payment_method,
        shipping_method=method.code,
        shipping_address=address.as_text(),
        email=customer.email or getattr(actor, "email", ""),
        country=address.country,
        source=source,
        # Built-to-order items take their build days (working days) on top of the promise.
        estimated_delivery_at=later_by_working_days(promise.promised, build_days),
    )
    take_stock_for_order(wanted=_stock_wanted(lines), order=order, actor=actor)
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                product=line.product,
                sku=line.product.sku,
                name=line.product.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line_total(line.unit_price, line.quantity),
                discount=line_discounts[i],
                price_list_id=line.price_list_id,
                position=i,
                configuration=line.configuration,
            )
            for i, line in enumerate(lines)
        ]
        + [
            OrderLine(
                order=order,
                kind=LineKind.SHIPPING,
                sku=method.code,
                name=str(method.name),
                quantity=1,
                unit_price=shipping,
                line_total=shipping,
                position=len(lines),
            )
        ]
        + [
            OrderLine(
                order=order,
                kind=LineKind.DISCOUNT,
                sku=str(d.code)[:64],
                name=str(d.label)[:255],
                quantity=1,
                unit_price=-d.amount,
                line_total=-d.amount,
                position=len(lines) + 1 + i,
            )
            for i, d in enumerate(discounts)
        ]
    )
    _count_sales(lines)
    if spent is not None:
        spend_points(customer=customer, order=order, discount=spent, actor=actor)
    payment = record_payment(
        order=order,
        customer=customer,
        method=payment_method,
        amount=order.total,
        actor=actor,
        card_number=card_number,
        idempotency_key=idempotency_key,
        # A hosted payment page (Stripe) sends the customer back here to wait for the provider.
        return_to=reverse("storefront:checkout_return", kwargs={"public_id": order.public_id}),
    )
    if payment_method == PaymentMethod.CREDIT_TERMS:
        issue_invoice(order=order, payment=payment, actor=actor)
    # Order risk (issue 19): scored now; held for a manager's review above the threshold.
    assess_order(order=order, actor=actor)
    # Then the order joins the customer's history the next scoring reads (one row, locked).
    note_order_placed(order=order, product_lines=len(lines))
    audit.record(
        action="order.placed",
        actor=actor,
        target=order,
        customer=customer,
        summary=f"Order {order.number} placed: {order.total} {order.currency} "
        f"({payment.get_method_display()})",
        data={
            "total": str(order.total),
            "payment_method": payment_method,
            "lines": len(lines),
            "discount": str(discount),
            "points": spent.points if spent else 0,
            **({"deal": reference} if reference else {}),
        },
    )
    # In the same transaction as the order, so a placed order always has its confirmation
    # promised (and a refused one never does); rendering the PDF is left to the sender. An order
    # awaiting a hosted payment is confirmed when the provider confirms the money
    # (`payment_confirmation.settle`).
    if payment.status != PaymentStatus.AWAITING:
        queue_order_confirmation(order=order, actor=actor)
    return order


def _configured_lines(lines: list[CartLine]) -> dict[int, Configured]:
    """Every configured line's configuration, checked and priced again (rules, options and
    prices may have changed since it went into the cart), keyed by line id. A configurable
    product without a configuration, an invalid configuration or one whose price changed is
    refused with a message the customer can act on."""
    configurable = configurable_product_ids([line.product_id for line in lines])
    found: dict[int, Configured] = {}
    for line in lines:
        if line.product_id not in configurable:
            continue
        if not line.configuration_key:
            raise CheckoutError(
                _("Choose the options of “%(name)s”: remove it from your cart and configure it.")
                % {"name": line.product.name}
            )
        try:
            done = configure_for_order(product=line.product, stored=line.configuration)
        except ConfigurationError as exc:
            raise CheckoutError(str(exc)) from exc
        if done.key != line.configuration_key or done.delta != line.configuration_delta:
            raise CheckoutError(
                _("The price of the options of “%(name)s” changed: configure it again.")
                % {"name": line.product.name}
            )
        found[line.pk] = done
    return found


def _stock_wanted(lines: Sequence[_PricedLine]) -> list[tuple[Product, int]]:
    """(product, quantity) to take from stock: the items, plus the stock-tracked parts their
    configurations consume, each product once."""
    wanted: dict[int, int] = {}
    for line in lines:
        wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
        for part_id, per_unit in line.components:
            wanted[part_id] = wanted.get(part_id, 0) + per_unit * line.quantity
    products = {line.product_id: line.product for line in lines}
    missing = [pk for pk in wanted if pk not in products]
    if missing:
        products.update(Product.objects.in_bulk(missing))
    return [(products[pk], n) for pk, n in wanted.items()]


def _count_sales(lines: Sequence[_PricedLine]) -> None:
    # One UPDATE for the whole cart instead of one per line. It cannot deadlock with another
    # order: every product here had its stock row locked above, in primary-key order, so a
    # second order sharing a product is still waiting on that lock.
    sold: dict[int, int] = {}
    for line in lines:
        sold[line.product_id] = sold.get(line.product_id, 0) + line.quantity
    Product.objects.filter(pk__in=sold).update(
        popularity=F("popularity")
        + Case(
            *(When(pk=pk, then=Value(n)) for pk, n in sold.items()),
            default=Value(0),
            output_field=PositiveIntegerField(),
        )
    )


__all__ = [
    "CheckoutError",
    "NegotiatedDeal",
    "NegotiatedLine",
    "OutOfStock",
    "PaymentError",
    "PointsError",
    "place_draft_order",
    "place_negotiated_order",
    "place_order",
    "save_address",
]
