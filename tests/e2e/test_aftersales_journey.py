"""A customer follows a delivered order on its tracking page and sends part of it back."""

from decimal import Decimal

import pytest

from rapport.aftersales.models import ReturnRequest, ReturnStatus
from rapport.aftersales.tests.factories import buy, deliver, reachable
from rapport.checkout.tests.factories import stocked_product
from rapport.customers.models import Customer
from rapport.orders.models import Order, OrderStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customer_tracks_an_order_and_requests_a_return(page, make_user, password, artifacts_dir):
    user = make_user("clara@example.com", first_name="Clara")
    staff = make_user("emma@staff.example.com", role="Employee")
    clara = reachable(Customer.objects.create(user=user, email=user.email, name="Clara Shopper"))
    lantern = stocked_product(quantity=5, price="12.50", name="MOROCCAN METAL LANTERN")
    order = deliver(buy(user, clara, [(lantern, 2)], method="card"), staff)

    page.goto("/login/")
    page.get_by_label("Email").fill("clara@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto("/account/orders/")
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("link", name="Track this order").click()

    assert page.locator(".order-status").inner_text() == "Delivered"
    assert "JD0001" in page.locator(".shipment").inner_text()
    promised = Order.objects.get(pk=order.pk).estimated_delivery_at
    assert (
        page.locator(".promise-date").inner_text()
        == f"{promised:%A}, {promised.day} {promised:%B %Y}"
    )
    steps = page.locator(".timeline li").all_inner_texts()
    assert [s.split()[-1] for s in steps] == [
        "Placed",
        "Paid",
        "Packed",
        "Shipped",
        "Delivered",
    ]
    page.screenshot(path=str(artifacts_dir / "aftersales-tracking.png"), full_page=True)

    page.get_by_role("link", name="Return items").click()
    line = order.lines.get(kind="product")
    page.locator(f"#qty_{line.pk}").fill("1")
    page.get_by_label("Why are you returning these items?").fill("One arrived dented")
    page.get_by_role("button", name="Request the return").click()

    page.locator(".return-status").wait_for()
    assert page.locator(".return-status").inner_text() == "Requested"
    # 12.50 + 4.95 shipping x 12.50 / 25.00 = 12.50 + 2.48 (2.475 rounds half-up)
    assert page.locator(".return-amount").inner_text() == "£14.98"
    rma = ReturnRequest.objects.get()
    assert (rma.status, rma.refund_amount, rma.refund_to) == (
        ReturnStatus.REQUESTED,
        Decimal("14.98"),
        "original",
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.RETURN_REQUESTED
    page.screenshot(path=str(artifacts_dir / "aftersales-return.png"), full_page=True)
