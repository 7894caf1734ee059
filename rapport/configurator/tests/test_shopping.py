"""The demo laptop through the configurator page, the cart and place_order (database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import User
from rapport.cart.models import Cart, CartLine
from rapport.cart.services import add_to_cart
from rapport.catalog.models import Product
from rapport.checkout.services import CheckoutError, place_order
from rapport.checkout.tests.factories import address_for, stock_of
from rapport.configurator.demo import GPU_SKU, create_demo_laptop
from rapport.configurator.models import Freedom, Option
from rapport.configurator.services import ConfigurationError, configure
from rapport.core.testing import login_customer
from rapport.customers.models import Customer
from rapport.delivery import calendar
from rapport.inventory.services import OutOfStock
from rapport.orders.models import OrderLine

pytestmark = pytest.mark.django_db

CREATOR = {"chassis": "large", "cpu": "fast", "memory": 32, "storage": "ssd2tb", "extras": ["gpu"]}
EVERYDAY = {"chassis": "compact", "cpu": "eco", "memory": 16, "storage": "ssd512"}


@pytest.fixture
def laptop():
    return create_demo_laptop().product


@pytest.fixture
def buyer():
    user = User.objects.create_user(email="ann@example.com", password="x" * 20)
    customer = Customer.objects.create(user=user, email=user.email, name="Ann Buyer")
    return user, customer


def form(choice: dict, **extra: str) -> dict:
    data: dict = {f"g-{k}": v for k, v in choice.items()}
    data.update(extra)
    return data


def configure_url(product) -> str:
    return reverse("storefront:configure", kwargs={"public_id": product.public_id})


def test_page_offers_only_possible_options_with_reasons(client, laptop):
    response = client.post(configure_url(laptop), form({"chassis": "compact"}))
    page = response.content.decode()
    assert response.status_code == 200
    # The compact chassis rules out the fast processor (needs the large chassis), the graphics
    # card (excluded) and memory above 16 GB (range), each with its reason.
    assert "Needs the large chassis" in page
    assert "Not available with Compact 13-inch chassis" in page
    assert "Memory from 8 to 16 with Compact 13-inch chassis" in page
    assert 'data-option="cpu-fast"' in page
    assert 'class="option impossible" data-option="cpu-fast"' in page
    assert 'class="option" data-option="cpu-eco"' in page
    # Switching chassis stays possible: the other option of a chosen group is judged without it.
    assert 'class="option" data-option="chassis-large"' in page


def test_conflict_then_fix_it_keeps_the_latest_pick(client, laptop):
    choice = {**EVERYDAY, "cpu": "fast"}
    response = client.post(configure_url(laptop), form(choice, action="check", changed="cpu"))
    page = response.content.decode()
    assert "Fix it for me" in page and 'id="add-configured" disabled' in page
    response = client.post(configure_url(laptop), form(choice, action="fix", changed="cpu"))
    page = response.content.decode()
    assert "Fix it for me" not in page
    assert 'class="option chosen" data-option="cpu-fast"' in page
    assert 'class="option chosen" data-option="chassis-large"' in page
    assert 'id="add-configured" disabled' not in page


def test_price_so_far_comes_from_the_options(client, laptop):
    response = client.post(configure_url(laptop), form(CREATOR, price="1.00"))
    # 699 + large 120 + fast 300 + (32-8) GB x 5 + 2 TB 150 + graphics 350
    assert configure(product=laptop, raw_choice=CREATOR).delta == Decimal("1040.00")
    assert "1,739.00" in response.content.decode() or "1739.00" in response.content.decode()


def test_add_to_cart_ignores_a_price_in_the_form_and_makes_one_line_per_configuration(
    client, laptop, buyer
):
    user, _customer = buyer
    login_customer(client, user)
    url = configure_url(laptop)
    assert client.post(url, form(CREATOR, action="add", price="1.00")).status_code == 302
    client.post(url, form(EVERYDAY, action="add"))
    client.post(url, form(EVERYDAY, action="add"))
    lines = list(CartLine.objects.filter(cart__user=user).order_by("id"))
    assert [line.quantity for line in lines] == [1, 2]
    assert lines[0].price_seen == Decimal("1739.00")
    assert lines[1].price_seen == Decimal("699.00") + Decimal("40.00")  # (16-8) GB x 5
    page = client.get(reverse("storefront:cart")).content.decode()
    assert "Processor: Fast 16-core processor" in page


@pytest.mark.parametrize(
    "tampered",
    [
        {**EVERYDAY, "extras": ["gpu"]},  # an excluded pair
        {**EVERYDAY, "memory": 72},  # out of range
        {**EVERYDAY, "memory": 12},  # off the step
        {**EVERYDAY, "cpu": "warp-drive"},  # an option of no group here
        {**EVERYDAY, "chassis": "ssd512"},  # an option of another group
        {key: value for key, value in EVERYDAY.items() if key != "cpu"},  # incomplete
    ],
)
def test_tampered_configurations_are_refused(client, laptop, buyer, tampered):
    user, _customer = buyer
    login_customer(client, user)
    client.post(configure_url(laptop), form(tampered, action="add"))
    assert not CartLine.objects.filter(cart__user=user).exists()
    with pytest.raises(ConfigurationError):
        configure(product=laptop, raw_choice=tampered)


def test_an_option_of_another_product_is_refused(laptop):
    other = create_demo_laptop()  # idempotent: same product
    assert other.product == laptop
    plain = Product.objects.create(sku="P1", name="Plain", slug="plain", price=Decimal("5"))
    with pytest.raises(ConfigurationError):
        configure(product=plain, raw_choice=EVERYDAY)
    with pytest.raises(ConfigurationError):
        configure(product=laptop, raw_choice={**EVERYDAY, "colour": "red"})


def test_a_regulated_product_sells_only_its_fixed_configurations(client, laptop, buyer):
    conf = laptop.configurator
    conf.freedom = Freedom.NONE
    conf.version += 1
    conf.save()
    with pytest.raises(ConfigurationError):
        configure(product=laptop, raw_choice={**EVERYDAY, "memory": 8})
    with pytest.raises(ConfigurationError):
        configure(product=laptop, raw_choice={**EVERYDAY, "engraving": "Ann"})
    assert configure(product=laptop, raw_choice=EVERYDAY).delta == Decimal("40.00")
    user, _customer = buyer
    login_customer(client, user)
    # Posted option fields are ignored: only a preset can be chosen.
    preset = conf.presets.get(name="Everyday")
    client.post(
        configure_url(laptop), form({**EVERYDAY, "memory": 8}, action="add", preset=str(preset.pk))
    )
    line = CartLine.objects.get(cart__user=user)
    assert line.configuration["choice"] == EVERYDAY


def _cart_for(user, laptop, choice, quantity=1):
    cart = Cart.objects.create(user=user)
    add_to_cart(
        cart=cart,
        product=laptop,
        quantity=quantity,
        configured=configure(product=laptop, raw_choice=choice),
    )
    return cart


def _place(user, customer, cart, key="k1"):
    return place_order(
        cart=cart,
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method="card",
        card_number="4242424242424242",
        idempotency_key=key,
        actor=user,
    )


def test_place_order_prices_shows_and_takes_the_parts(laptop, buyer):
    user, customer = buyer
    gpu = Product.objects.get(sku=GPU_SKU)
    cart = _cart_for(user, laptop, CREATOR, quantity=2)
    order = _place(user, customer, cart)
    line = OrderLine.objects.get(order=order, product=laptop)
    assert line.unit_price == Decimal("1739.00")
    assert line.line_total == Decimal("3478.00")
    assert ["Processor", "Fast 16-core processor"] in line.configuration["summary"]
    assert stock_of(gpu) == 18 and stock_of(laptop) == 48
    assert order.estimated_delivery_at is not None


def test_build_days_are_added_to_the_delivery_promise(laptop, buyer):
    user, customer = buyer
    everyday = _place(user, customer, _cart_for(user, laptop, EVERYDAY), key="a")
    creator = _place(user, customer, _cart_for(user, laptop, CREATOR), key="b")
    # 3 build days for the laptop, 2 more (working days) for the graphics card.
    assert (
        calendar.delivery_days_between(
            timezone.localdate(everyday.estimated_delivery_at),
            timezone.localdate(creator.estimated_delivery_at),
        )
        == 2
    )


def test_a_stale_configuration_is_refused_at_place_order(laptop, buyer):
    user, customer = buyer
    cart = _cart_for(user, laptop, CREATOR)
    Option.objects.filter(code="gpu").update(price_delta=Decimal("400.00"))
    conf = laptop.configurator
    conf.version += 1
    conf.save()
    with pytest.raises(CheckoutError, match="changed"):
        _place(user, customer, cart)
    Option.objects.filter(code="fast").delete()
    conf.version += 1
    conf.save()
    with pytest.raises(CheckoutError, match="configure it again"):
        _place(user, customer, cart)
    assert stock_of(laptop) == 50


def test_a_configurable_product_without_a_configuration_is_refused(laptop, buyer):
    user, customer = buyer
    cart = Cart.objects.create(user=user)
    CartLine.objects.create(cart=cart, product=laptop, quantity=1, price_seen=laptop.price)
    with pytest.raises(CheckoutError, match="Choose the options"):
        _place(user, customer, cart)


def test_missing_parts_refuse_the_order(laptop, buyer):
    user, customer = buyer
    gpu = Product.objects.get(sku=GPU_SKU)
    from rapport.inventory.models import StockRecord

    StockRecord.objects.filter(product=gpu).update(quantity=1)
    cart = _cart_for(user, laptop, CREATOR, quantity=2)
    with pytest.raises(OutOfStock):
        _place(user, customer, cart)
    assert stock_of(laptop) == 50


def test_custom_request_lands_on_the_timeline(client, laptop, buyer):
    from rapport.configurator.models import CustomRequest
    from rapport.core.models import AuditEntry

    user, customer = buyer
    url = reverse("storefront:custom_request", kwargs={"public_id": laptop.public_id})
    assert client.post(url, {"text": "A purple chassis"}).status_code == 302
    assert not CustomRequest.objects.exists()
    login_customer(client, user)
    client.post(url, {"text": "A purple chassis"})
    request = CustomRequest.objects.get()
    assert request.customer == customer and request.text == "A purple chassis"
    assert AuditEntry.objects.filter(
        customer=customer, action="configurator.custom_request"
    ).exists()
    client.post(url, {"text": "   "})
    assert CustomRequest.objects.count() == 1


def test_product_page_links_to_the_configurator(client, laptop):
    page = client.get(laptop.get_absolute_url()).content.decode()
    assert configure_url(laptop) in page
    assert "Anything else?" in page


def test_plain_add_to_cart_sends_a_built_to_order_product_to_its_configurator(client, laptop):
    response = client.post(reverse("storefront:cart_add"), {"product": str(laptop.public_id)})
    assert response.status_code == 302
    assert response["Location"] == configure_url(laptop)
    assert not CartLine.objects.exists()
