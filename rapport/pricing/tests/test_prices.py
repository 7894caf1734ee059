"""Price lists in the store: who gets which price, on the product page, in the cart and in the
order, with the query budget of the hot pages."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.catalog.tests.factories import CategoryFactory
from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import login_customer
from rapport.customers.models import Customer
from rapport.customervalue.models import CustomerValue
from rapport.orders.models import LineKind
from rapport.pricing import services
from rapport.pricing.queries import prices_for, unit_price_for
from rapport.segments.models import Segment, SegmentMembership

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


@pytest.fixture
def vip_list(ann):
    CustomerValue.objects.create(customer=ann, tier="important")
    return services.save_price_list(actor=None, name="Important customers", vip_tier="important")


def test_a_list_applies_by_tier_segment_or_name_and_only_while_valid(ann, people):
    product = stocked_product(price="10.00")
    other = Customer.objects.create(email="other@example.com")
    by_tier = services.save_price_list(actor=None, name="Strategic", vip_tier="strategic")
    services.save_item(
        price_list=by_tier, product=product, min_quantity=1, actor=None, fixed_price=D("7.00")
    )
    segment = Segment.objects.create(name="Wholesale", kind="static")
    by_segment = services.save_price_list(actor=None, name="Wholesale", segment=segment)
    services.save_item(
        price_list=by_segment, product=product, min_quantity=12, actor=None, fixed_price=D("8.00")
    )
    named = services.save_price_list(
        actor=None,
        name="Ann's contract",
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )
    services.add_customer(price_list=named, customer=ann, actor=None)
    services.save_item(
        price_list=named, product=product, min_quantity=1, actor=None, percent_off=D("50")
    )

    assert unit_price_for(ann.pk, product, 12).unit_price == D("10.00")  # nothing applies
    SegmentMembership.objects.create(segment=segment, customer=ann)
    assert unit_price_for(ann.pk, product, 11).unit_price == D("10.00")
    assert unit_price_for(ann.pk, product, 12).unit_price == D("8.00")
    CustomerValue.objects.create(customer=ann, tier="strategic")
    assert unit_price_for(ann.pk, product, 1).price_list_id == by_tier.pk
    services.save_price_list(actor=None, name="Ann's contract", price_list=named)  # open-ended
    assert unit_price_for(ann.pk, product, 1).unit_price == D("5.00")
    assert unit_price_for(other.pk, product, 100).unit_price == D("10.00")
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    services.save_price_list(
        actor=None, name="Ann's contract", price_list=named, valid_from=tomorrow.date()
    )
    assert unit_price_for(ann.pk, product, 1).unit_price == D("7.00")
    assert unit_price_for(ann.pk, product, 1, at=tomorrow).unit_price == D("5.00")
    assert AuditEntry.objects.filter(action__startswith="pricing.", customer=ann).count() == 1


def test_thirty_lines_and_five_lists_are_priced_in_one_query(
    ann, vip_list, django_assert_num_queries
):
    products = [stocked_product(price="3.00") for _ in range(30)]
    for n in range(4):
        extra = services.save_price_list(actor=None, name=f"Extra {n}", vip_tier="important")
        for product in products[n::4]:
            services.save_item(
                price_list=extra,
                product=product,
                min_quantity=n + 1,
                actor=None,
                percent_off=D(n * 5),
            )
    for product in products:
        services.save_item(
            price_list=vip_list, product=product, min_quantity=1, actor=None, fixed_price=D("2.90")
        )
    with django_assert_num_queries(1):
        prices = prices_for([(p.pk, p.price, 6) for p in products], customer_id=ann.pk)
    assert {p.unit_price for p in prices.values()} == {D("2.90"), D("2.85"), D("2.70"), D("2.55")}


def test_bad_items_are_refused_and_nothing_is_written(vip_list):
    product = stocked_product()
    for kwargs in (
        {"fixed_price": D("1.00"), "percent_off": D("5")},
        {},
        {"fixed_price": D("-0.01")},
        {"percent_off": D("100.01")},
    ):
        with pytest.raises(services.PricingError):
            services.save_item(
                price_list=vip_list, product=product, min_quantity=1, actor=None, **kwargs
            )
    with pytest.raises(services.PricingError):
        services.save_item(
            price_list=vip_list, product=product, min_quantity=0, actor=None, fixed_price=D("1")
        )
    assert not vip_list.items.exists()
    with pytest.raises(services.PricingError):
        services.save_price_list(
            actor=None,
            name="Backwards",
            valid_from=datetime.date(2026, 2, 1),
            valid_until=datetime.date(2026, 1, 1),
        )


def test_the_same_price_on_the_product_page_in_the_cart_and_in_the_order(
    client, people, ann, vip_list
):
    product = stocked_product(price="12.50", name="REGENCY CAKESTAND")
    services.save_item(
        price_list=vip_list, product=product, min_quantity=1, actor=None, percent_off=D("10")
    )
    services.save_item(
        price_list=vip_list, product=product, min_quantity=6, actor=None, fixed_price=D("10.00")
    )
    login_customer(client, people["customer"])

    page = client.get(product.get_absolute_url()).content.decode()
    assert '<s class="list-price">£12.50</s>' in page and "£11.25" in page
    assert "From 6: £10.00" in page

    cart = cart_with(people["customer"], (product, 6))
    body = client.get(reverse("storefront:cart")).content.decode()
    assert '<s class="list-price">' in body and "60.00" in body

    order = place_order(
        cart=cart,
        customer=ann,
        address=address_for(ann),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key="vip-1",
        actor=people["customer"],
    )
    line = order.lines.get(kind=LineKind.PRODUCT)
    assert (line.unit_price, line.line_total, line.price_list_id) == (
        D("10.00"),
        D("60.00"),
        vip_list.pk,
    )
    assert order.subtotal == D("60.00")


def test_place_order_prices_from_the_lists_of_today_not_from_the_cart(people, ann, vip_list):
    product = stocked_product(price="12.50")
    cart = cart_with(people["customer"], (product, 2))
    item = services.save_item(
        price_list=vip_list, product=product, min_quantity=1, actor=None, fixed_price=D("9.00")
    )
    services.delete_item(item=item, actor=None)  # the list changed after the cart was filled
    order = place_order(
        cart=cart,
        customer=ann,
        address=address_for(ann),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key="vip-2",
        actor=people["customer"],
    )
    line = order.lines.get(kind=LineKind.PRODUCT)
    assert (line.unit_price, line.price_list_id) == (D("12.50"), None)


def test_anonymous_product_page_keeps_its_one_query(client, vip_list, django_assert_num_queries):
    product = stocked_product(category=CategoryFactory(parent=CategoryFactory()))
    services.save_item(
        price_list=vip_list, product=product, min_quantity=1, actor=None, percent_off=D("10")
    )
    with django_assert_num_queries(1):
        body = client.get(product.get_absolute_url()).content.decode()
    assert "list-price" not in body


def test_signed_in_pages_take_one_query_more(client, people, vip_list, django_assert_num_queries):
    product = stocked_product(category=CategoryFactory(parent=CategoryFactory()))
    login_customer(client, people["customer"])
    client.get(product.get_absolute_url())  # the session's first read happens once
    # Session, user, the page's one query, the customer's prices.
    with django_assert_num_queries(4) as captured:
        client.get(product.get_absolute_url())
    assert sum("pricing_pricelistitem" in q["sql"] for q in captured.captured_queries) == 1
    cart_with(people["customer"], (product, 1))
    # Session, user, the cart with its lines (one query), the customer's prices.
    with django_assert_num_queries(4) as captured:
        client.get(reverse("storefront:cart"))
    assert sum("pricing_pricelistitem" in q["sql"] for q in captured.captured_queries) == 1
