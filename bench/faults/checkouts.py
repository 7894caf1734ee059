"""What the checkout fault scripts share: a buyer and a product, one whole checkout through the
store's real HTTP path (Django's test client, in process), phases around an injected fault, and
the checks that nothing was half-written. Call `setup()` after `django.setup()`."""

from __future__ import annotations

import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass
class Shop:
    client: Any
    customer: Any
    product: Any
    start_stock: int


class HttpClient:
    """The few calls `checkout` makes, over real HTTP to a served store (httpx), with Django's
    CSRF token sent as a header and the session in the cookie jar."""

    def __init__(self, base_url: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)

    def _csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.http.cookies.get("csrftoken", "")}

    def get(self, path: str) -> Any:
        try:
            return self.http.get(path)
        except Exception as exc:  # connection refused/reset: a refusal, like a 5xx
            return _Failed(type(exc).__name__)

    def post(self, path: str, data: dict[str, str]) -> Any:
        try:
            return self.http.post(path, data=data, headers=self._csrf())
        except Exception as exc:
            return _Failed(type(exc).__name__)

    def login(self, email: str, password: str) -> None:
        page = self.http.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        response = self.http.post(
            "/login/",
            data={"username": email, "password": password, "csrfmiddlewaretoken": token[1]},
            headers=self._csrf(),
        )
        if response.status_code != 302:
            raise SystemExit(f"Could not sign in over HTTP: {response.status_code}")


class _Failed:
    status_code = 599
    content = b""
    headers: dict[str, str] = {}

    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass
class Buyer:
    user: Any
    password: str
    customer: Any
    address: Any
    product: Any
    run: str


def make_buyer(label: str, stock: int) -> Buyer:
    """A customer with a reachable email address and a saved address, and a product with
    `stock` units, all named after a fresh run id."""
    from rapport.accounts.models import User
    from rapport.catalog.models import Category, Product
    from rapport.checkout.models import Address
    from rapport.customers.models import ContactKind, Customer
    from rapport.customers.services import add_contact_point
    from rapport.inventory.models import StockRecord

    run = uuid.uuid4().hex[:8]
    email = f"fault-{label}-{run}@example.com"
    password = uuid.uuid4().hex
    user = User.objects.create_user(email=email, password=password)
    customer = Customer.objects.create(user=user, email=email, name="Fault Buyer")
    add_contact_point(
        customer=customer, kind=ContactKind.EMAIL, value=email, actor=None, source="bench"
    )
    address = Address.objects.create(
        customer=customer,
        name="Fault Buyer",
        line1="1 High Street",
        city="London",
        postal_code="E1 6AN",
        country="United Kingdom",
    )
    category, _ = Category.objects.get_or_create(slug="fault-bench", defaults={"name": "Faults"})
    product = Product.objects.create(
        sku=f"F{label[:3].upper()}-{run}",
        name="Fault item",
        slug=f"fault-item-{run}",
        category=category,
        price=Decimal("9.99"),
    )
    StockRecord.objects.create(product=product, quantity=stock)
    return Buyer(user, password, customer, address, product, run)


def place_one(buyer: Buyer, i: int) -> Any:
    """One order of one unit through `place_order` (the service, not the pages)."""
    from rapport.cart.models import Cart, CartLine
    from rapport.checkout.services import place_order

    cart = Cart.objects.create(user=buyer.user)
    CartLine.objects.create(
        cart=cart, product=buyer.product, quantity=1, price_seen=buyer.product.price
    )
    return place_order(
        cart=cart,
        customer=buyer.customer,
        address=buyer.address,
        shipping_method="standard",
        payment_method="cod",
        idempotency_key=f"fault-{buyer.run}-{i}",
        actor=buyer.user,
    )


def setup(label: str, stock: int, base_url: str = "") -> Shop:
    from django.test import Client

    buyer = make_buyer(label, stock)
    client: Any
    if base_url:  # a served store, over real HTTP
        client = HttpClient(base_url)
        client.login(buyer.user.email, buyer.password)
    else:  # in process, through every middleware
        client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
        client.force_login(buyer.user)
    return Shop(client, buyer.customer, buyer.product, stock)


def checkout(shop: Shop, i: int) -> str:
    """One whole checkout; its outcome: "order", or the step and status that refused it."""
    from django.urls import reverse

    client = shop.client
    try:
        steps = [
            (
                "cart",
                client.post(
                    reverse("storefront:cart_add"),
                    {"product": str(shop.product.public_id), "quantity": "1"},
                ),
            )
        ]
        details = {
            "address": "new",
            "new-name": "Fault Buyer",
            "new-line1": f"{i} High Street",
            "new-postal_code": "E1 6AN",
            "new-city": "London",
            "new-country": "United Kingdom",
            "shipping": "standard",
            "payment": "cod",
        }
        steps.append(("details", client.post(reverse("storefront:checkout"), details)))
        verify = client.get(reverse("storefront:checkout_verify"))
        steps.append(("verify", verify))
        key = re.search(rb'name="idempotency_key" value="([0-9a-f]+)"', verify.content)
        if key is None:
            bad = next((f"{n} {r.status_code}" for n, r in steps if r.status_code >= 400), "")
            return f"refused at {bad or 'verify (no form)'}"
        done = client.post(
            reverse("storefront:checkout_verify"), {"idempotency_key": key[1].decode()}
        )
        if done.status_code == 302 and "/account/orders/" in done.headers.get("Location", ""):
            return "order"
        return f"refused at confirm {done.status_code}"
    except Exception as exc:  # the client itself failed (should not happen)
        return f"client error {type(exc).__name__}"


def run_phases(
    shop: Shop, per_phase: int, faults: dict[str, Callable[[], None]]
) -> tuple[dict[str, dict[str, int]], dict[str, float]]:
    """Runs `per_phase` checkouts after each named step (called first). Outcomes per phase and
    seconds per checkout."""
    phases: dict[str, dict[str, int]] = {}
    timings: dict[str, float] = {}
    for phase, inject in faults.items():
        inject()
        started = time.monotonic()
        outcomes: Counter[str] = Counter()
        for i in range(per_phase):
            outcomes[checkout(shop, i)] += 1
            print(f"{phase} {i + 1}/{per_phase}", file=sys.stderr)
        timings[phase] = round((time.monotonic() - started) / per_phase, 3)
        phases[phase] = dict(outcomes)
    return phases, timings


def checks(shop: Shop, phases: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Every order whole (product lines, subtotal, one stock move per line, one confirmation in
    the outbox), stock = start - what the orders took, no stray stock move, and every checkout
    the buyer was told succeeded is an order (none lost, none extra)."""
    from django.db import connection

    from rapport.inventory.models import StockMove, StockRecord
    from rapport.messaging.models import Message
    from rapport.orders.models import LineKind, Order

    # This script's own connection (outside any request) may have died with the fault; requests
    # reconnect by themselves at their start and end, a script must ask.
    connection.close()
    orders = list(Order.objects.filter(customer=shop.customer).prefetch_related("lines"))
    broken = []
    taken = 0
    for order in orders:
        lines = [line for line in order.lines.all() if line.kind == LineKind.PRODUCT]
        taken += sum(line.quantity for line in lines)
        moves = StockMove.objects.filter(order=order).count()
        mails = Message.objects.filter(
            customer=shop.customer,
            template="order_confirmation",
            attachments__contains=[{"order_id": order.pk}],
        ).count()
        goods = sum((line.line_total for line in lines), Decimal("0"))
        if not lines or moves != len(lines) or mails != 1 or order.subtotal != goods:
            broken.append(
                {"order": order.number, "lines": len(lines), "moves": moves, "mails": mails}
            )
    stock_now = StockRecord.objects.get(product=shop.product).quantity
    told = sum(outcomes.get("order", 0) for outcomes in phases.values())
    result = {
        "orders": len(orders),
        "orders_reported_to_the_buyer": told,
        "broken_orders": broken,
        "stock_start": shop.start_stock,
        "stock_now": stock_now,
        "stock_taken_by_orders": taken,
        "stray_stock_moves": StockMove.objects.filter(
            product=shop.product, order__isnull=True
        ).count(),
    }
    result["ok"] = (
        not broken
        and stock_now == shop.start_stock - taken
        and result["stray_stock_moves"] == 0
        and told == len(orders)
    )
    return result
