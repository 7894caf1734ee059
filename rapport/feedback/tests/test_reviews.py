"""Reviews: only what was delivered, once; staff reply and hide; summary kept; Olist shown."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rapport.aftersales.tests.factories import buy, deliver, stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import (
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.customers.models import Customer
from rapport.feedback.models import ProductReview, RatingSummary, ReviewStatus
from rapport.feedback.services import ReviewError, moderate_review, write_review
from rapport.orders.models import LineKind, Order, OrderLine, OrderStatus, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


@pytest.fixture
def delivered(people, ann):
    product = stocked_product(price="12.00")
    deliver(buy(people["customer"], ann, [(product, 1)]), people["employee"])
    return product


def test_a_customer_reviews_a_delivered_product_once_and_the_summary_follows(ann, delivered):
    review = write_review(customer=ann, product=delivered, stars=4, text=" Lovely ", actor=None)

    with pytest.raises(ReviewError):
        write_review(customer=ann, product=delivered, stars=1, text="again", actor=None)

    assert (review.stars, review.text) == (4, "Lovely")
    assert ProductReview.objects.count() == 1
    summary = RatingSummary.objects.get(product=delivered)
    assert (summary.count, summary.average) == (1, Decimal("4.00"))
    assert AuditEntry.objects.get(action="review.written").customer == ann


def test_no_review_of_what_was_not_received_and_nothing_written(people, ann):
    product = stocked_product(price="5.00")
    buy(people["customer"], ann, [(product, 1)])  # placed, not delivered

    for stars in (4, 0, 6):
        with pytest.raises(ReviewError):
            write_review(customer=ann, product=product, stars=stars, text="", actor=None)

    assert ProductReview.objects.count() == 0
    assert not RatingSummary.objects.filter(count__gt=0).exists()


def test_staff_hide_and_reply_and_the_summary_drops_hidden_reviews(ann, delivered, people):
    review = write_review(customer=ann, product=delivered, stars=2, text="meh", actor=None)

    moderate_review(review=review, actor=people["employee"], hide=True, reply="Sorry to hear")

    review.refresh_from_db()
    assert review.status == ReviewStatus.HIDDEN and review.staff_reply == "Sorry to hear"
    assert RatingSummary.objects.get(product=delivered).count == 0


def test_the_fragment_offers_the_form_only_to_a_customer_who_received_it(clients, ann, delivered):
    url = reverse("storefront:product_reviews", args=[delivered.public_id])

    mine = clients["customer"].get(url).content.decode()
    theirs = clients["other_customer"].get(url).content.decode()
    posted = clients["customer"].post(
        reverse("storefront:review_write", args=[delivered.public_id]),
        {"stars": "5", "text": "Great mug"},
    )
    refused = clients["other_customer"].post(
        reverse("storefront:review_write", args=[delivered.public_id]),
        {"stars": "1", "text": "never had it"},
    )

    assert 'name="stars"' in mine and 'name="stars"' not in theirs
    assert posted.status_code == 302 and refused.status_code == 302
    assert list(ProductReview.objects.values_list("customer", "stars")) == [(ann.pk, 5)]
    shown = clients["anonymous"].get(url).content.decode()
    assert "Great mug" in shown and "5.00 out of 5 from 1 review" in shown


def test_review_pages_permission_matrix(clients, ann, delivered):
    review = write_review(customer=ann, product=delivered, stars=3, text="ok", actor=None)
    product_url = delivered.get_absolute_url()
    rows = [
        Row(
            "storefront:product_reviews",
            reverse("storefront:product_reviews", args=[delivered.public_id]),
            expect(everyone=200),
        ),
        Row(
            "storefront:review_write",
            reverse("storefront:review_write", args=[delivered.public_id]),
            expect(
                anonymous=REDIRECT_LOGIN,
                customers=redirect_to(product_url),
                staff=redirect_to(product_url),
            ),
            method="post",
            data={"stars": "5"},
        ),
        Row("portal:reviews", reverse("portal:reviews"), expect(**STAFF_ONLY)),
        Row(
            "portal:review_moderate",
            reverse("portal:review_moderate", args=[review.public_id]),
            expect(non_staff=REDIRECT_HOME, staff=redirect_to(reverse("portal:reviews"))),
            method="post",
            data={"reply": "Thanks"},
        ),
    ]

    assert check_matrix(rows, clients, {}) == []
    # Only Ann's single review exists: nobody else could write one through the matrix.
    assert ProductReview.objects.count() == 1


def test_imported_olist_reviews_become_reviews_of_the_orders_products(people, ann):
    product = stocked_product(price="9.00")
    order = Order.objects.create(
        number="OLIST-1",
        customer=ann,
        placed_at=timezone.now(),
        status=OrderStatus.DELIVERED,
        source="olist",
    )
    OrderLine.objects.create(
        order=order,
        kind=LineKind.PRODUCT,
        product=product,
        sku=product.sku,
        name=product.name,
        quantity=1,
        unit_price=Decimal("9.00"),
        line_total=Decimal("9.00"),
    )
    Review.objects.create(
        order=order, external_id="r1", score=5, text="chegou rápido", source="olist"
    )

    call_command("import_olist_reviews", stdout=StringIO())
    call_command("import_olist_reviews", stdout=StringIO())

    review = ProductReview.objects.get()
    assert (review.product, review.stars, review.source) == (product, 5, "olist")
    assert RatingSummary.objects.get(product=product).count == 1


def test_cards_and_the_product_page_show_the_rating_and_drop_it_when_hidden(
    client, ann, delivered, people, make_user
):
    listing = delivered.category.get_absolute_url()
    assert "out of 5" not in client.get(listing).content.decode()  # no reviews yet
    review = write_review(customer=ann, product=delivered, stars=4, text="Nice", actor=None)
    second = make_user("bea@example.com")
    bea = Customer.objects.create(user=second, email=second.email, name="Bea")
    deliver(buy(second, bea, [(delivered, 1)], key="k2"), people["employee"])
    write_review(customer=bea, product=delivered, stars=5, text="", actor=None)

    delivered.refresh_from_db()
    assert (delivered.rating_count, delivered.rating_average) == (2, Decimal("4.50"))
    # The shared product page is drawn again at once (its check reads updated_at)...
    page = client.get(delivered.get_absolute_url()).content.decode()
    assert 'class="rating-link"' in page and "4.5 out of 5 from 2 reviews" in page
    # ...and the card once the listing's cached fragment has expired (a minute at most).
    cache.clear()
    assert "4.5 out of 5 from 2 reviews" in client.get(listing).content.decode()

    moderate_review(review=review, actor=people["employee"], hide=True, reply="")
    cache.clear()
    assert "5.0 out of 5 from 1 review<" in client.get(listing).content.decode()
