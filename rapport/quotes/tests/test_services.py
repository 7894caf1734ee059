"""Quote versioning, sides, validity and acceptance through the normal order path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.inventory.services import OutOfStock
from rapport.messaging.models import Message
from rapport.orders.models import LineKind, Order
from rapport.payments.services import CreditNotAllowed
from rapport.quotes import services
from rapport.quotes.access import get_quote_for, get_quote_for_customer
from rapport.quotes.lines import QuoteError, parse_line, parse_price
from rapport.quotes.models import Quote, QuoteLine, QuoteStatus, QuoteVersion, Side
from rapport.quotes.queries import awaiting_staff, comparison, versions
from rapport.quotes.tests.factories import customer_of, delivery, in_days, line, sent_quote
from rapport.workspace.queries import task_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(people):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=50, price="100.00", sku="CHAIR")
    desk = stocked_product(quantity=50, price="300.00", sku="DESK")
    return {"ann": ann, "chair": chair, "desk": desk, "staff": people["employee"]}


def test_a_draft_is_staff_only_and_on_the_timeline(people, deal):
    quote = services.create_quote(
        customer=deal["ann"],
        actor=deal["staff"],
        lines=[line(deal["chair"], 10, "90.00"), line(deal["desk"], 2, "280.50")],
        valid_until=in_days(7),
    )

    version = QuoteVersion.objects.get(quote=quote)
    assert quote.status == QuoteStatus.DRAFT and quote.owner == deal["staff"]
    assert version.total == Decimal("1461.00") and version.sent_at is None
    assert AuditEntry.objects.filter(action="quote.created", customer=deal["ann"]).count() == 1
    with pytest.raises(Http404):
        get_quote_for(people["customer"], quote.public_id)
    assert get_quote_for(people["manager"], quote.public_id) == quote
    with pytest.raises(Http404):  # another employee's quote
        get_quote_for(
            people["manager"].__class__.objects.create_user(
                email="eve@staff.example.com", password="x" * 20
            ),
            quote.public_id,
        )


def test_sending_freezes_the_version_and_mails_the_customer(people, deal):
    quote = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 10, "90.00"))

    assert quote.status == QuoteStatus.SENT
    assert QuoteVersion.objects.get(quote=quote).sent_at is not None
    mail = Message.objects.get(customer=deal["ann"], template="quote_update")
    assert quote.number in mail.subject and "/account/quotes/" in mail.body_text
    with pytest.raises(QuoteError, match="counter-offer"):
        services.update_draft(
            quote=quote,
            actor=deal["staff"],
            lines=[line(deal["chair"], 1, "1.00")],
            valid_until=in_days(3),
        )
    assert QuoteLine.objects.get().unit_price == Decimal("90.00")
    assert get_quote_for_customer(people["customer"], quote.public_id) == quote
    with pytest.raises(Http404):
        get_quote_for_customer(people["other_customer"], quote.public_id)


def test_customer_counter_is_a_new_version_and_a_task_for_the_owner(people, deal):
    quote = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 10, "90.00"))

    v2 = services.counter_quote(
        quote=quote,
        actor=people["customer"],
        answering=1,
        lines=[line(deal["chair"], 12, "80.00")],
        valid_until=in_days(5),
        note="12 at 80?",
    )

    quote.refresh_from_db()
    assert (v2.number, v2.side, v2.total) == (2, Side.CUSTOMER, Decimal("960.00"))
    assert quote.status == QuoteStatus.COUNTERED and quote.latest_number == 2
    assert list(awaiting_staff(deal["staff"])) == [quote]
    assert task_counts(deal["staff"])["quotes"] == 1
    # Version 1 is untouched.
    assert QuoteLine.objects.get(version__number=1).quantity == 10
    table = comparison(versions(quote))
    cell = table.rows[0].cells[1]
    assert cell.quantity_changed and cell.price_changed and table.totals_changed == [False, True]


def test_the_customer_cannot_counter_their_own_version_or_add_products(people, deal):
    quote = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 10, "90.00"))
    with pytest.raises(QuoteError, match="not add new ones"):
        services.counter_quote(
            quote=quote,
            actor=people["customer"],
            answering=1,
            lines=[line(deal["chair"], 10, "90.00"), line(deal["desk"], 1, "1.00")],
            valid_until=in_days(5),
        )
    services.counter_quote(
        quote=quote,
        actor=people["customer"],
        answering=1,
        lines=[line(deal["chair"], 10, "85.00")],
        valid_until=in_days(5),
    )
    with pytest.raises(QuoteError, match="your own offer"):
        services.counter_quote(
            quote=quote,
            actor=people["customer"],
            answering=2,
            lines=[line(deal["chair"], 10, "70.00")],
            valid_until=in_days(5),
        )
    assert QuoteVersion.objects.filter(quote=quote).count() == 2


def test_staff_accepting_the_counter_places_one_order_at_the_negotiated_prices(people, deal):
    quote = sent_quote(
        deal["staff"], deal["ann"], line(deal["chair"], 10, "90.00"), line(deal["desk"], 1, "290")
    )
    services.counter_quote(
        quote=quote,
        actor=people["customer"],
        answering=1,
        lines=[line(deal["chair"], 12, "80.00")],
        valid_until=in_days(5),
    )

    order = services.accept_quote(
        quote=quote, actor=deal["staff"], answering=2, delivery=delivery(deal["ann"])
    )

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and quote.order == order
    assert order.customer == deal["ann"] and order.source == "quote"
    products = order.lines.filter(kind=LineKind.PRODUCT)
    assert [(x.sku, x.quantity, x.unit_price) for x in products] == [
        ("CHAIR", 12, Decimal("80.00"))
    ]
    assert order.subtotal == Decimal("960.00")
    assert stock_of(deal["chair"]) == 38 and stock_of(deal["desk"]) == 50
    assert AuditEntry.objects.filter(action="quote.accepted", customer=deal["ann"]).exists()
    # The same acceptance again (double click) gives the same order, not a second one.
    again = services.accept_quote(
        quote=quote, actor=deal["staff"], answering=2, delivery=delivery(deal["ann"])
    )
    assert again == order and Order.objects.count() == 1
    with pytest.raises(QuoteError, match="closed"):
        services.counter_quote(
            quote=quote,
            actor=people["customer"],
            answering=2,
            lines=[line(deal["chair"], 1, "1.00")],
            valid_until=in_days(5),
        )


def test_customer_accepts_the_shop_offer_but_not_their_own_nor_an_old_version(people, deal):
    quote = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 2, "95.00"))
    with pytest.raises(QuoteError, match="your own offer"):
        services.accept_quote(
            quote=quote, actor=deal["staff"], answering=1, delivery=delivery(deal["ann"])
        )
    services.counter_quote(
        quote=quote,
        actor=people["customer"],
        answering=1,
        lines=[line(deal["chair"], 2, "90.00")],
        valid_until=in_days(5),
    )
    services.counter_quote(
        quote=quote,
        actor=deal["staff"],
        answering=2,
        lines=[line(deal["chair"], 2, "92.00")],
        valid_until=in_days(5),
    )
    with pytest.raises(QuoteError, match="newer version"):
        services.accept_quote(
            quote=quote, actor=people["customer"], answering=1, delivery=delivery(deal["ann"])
        )
    assert Order.objects.count() == 0

    order = services.accept_quote(
        quote=quote, actor=people["customer"], answering=3, delivery=delivery(deal["ann"])
    )
    assert order.subtotal == Decimal("184.00")
    assert Message.objects.filter(template="quote_update").count() == 2  # sent + countered


def test_another_customer_cannot_act_on_a_quote(people, deal):
    quote = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 2, "95.00"))
    with pytest.raises(QuoteError, match="not yours"):
        services.accept_quote(
            quote=quote,
            actor=people["other_customer"],
            answering=1,
            delivery=delivery(deal["ann"]),
        )
    with pytest.raises(QuoteError, match="not yours"):
        services.decline_quote(quote=quote, actor=people["other_customer"])
    assert Quote.objects.get().status == QuoteStatus.SENT and Order.objects.count() == 0


def test_a_lapsed_offer_cannot_be_accepted_and_is_marked_expired(people, deal):
    quote = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 2, "95.00"))
    QuoteVersion.objects.filter(quote=quote).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(QuoteError, match="expired"):
        services.accept_quote(
            quote=quote, actor=people["customer"], answering=1, delivery=delivery(deal["ann"])
        )
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.EXPIRED and Order.objects.count() == 0
    assert AuditEntry.objects.filter(action="quote.expired").count() == 1


def test_expire_due_quotes_marks_only_lapsed_open_quotes(people, deal):
    lapsed = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 2, "95.00"))
    fresh = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 2, "95.00"))
    QuoteVersion.objects.filter(quote=lapsed).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )

    assert services.expire_due_quotes() == 1
    assert services.expire_due_quotes() == 0
    assert Quote.objects.get(pk=lapsed.pk).status == QuoteStatus.EXPIRED
    assert Quote.objects.get(pk=fresh.pk).status == QuoteStatus.SENT


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        (0, "10.00", "at least 1"),
        (1, "-1.00", "negative"),
        (1, "10.005", "two decimal places"),
        (10000, "10.00", "At most"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(deal, quantity, price, message):
    with pytest.raises(QuoteError, match=message):
        services.create_quote(
            customer=deal["ann"],
            actor=deal["staff"],
            lines=[line(deal["chair"], quantity, price)],
            valid_until=in_days(3),
        )
    assert Quote.objects.count() == 0 and QuoteLine.objects.count() == 0


def test_inactive_products_past_dates_and_duplicates_are_refused(deal):
    deal["desk"].is_active = False
    deal["desk"].save()
    cases = [
        ([line(deal["desk"], 1, "1.00")], in_days(3), "not on sale"),
        ([line(deal["chair"], 1, "1.00")], in_days(-1), "today or a later day"),
        ([line(deal["chair"], 1, "1.00"), line(deal["chair"], 2, "1.00")], in_days(3), "twice"),
        ([], in_days(3), "at least one line"),
    ]
    for lines, valid_until, message in cases:
        with pytest.raises(QuoteError, match=message):
            services.create_quote(
                customer=deal["ann"], actor=deal["staff"], lines=lines, valid_until=valid_until
            )
    assert Quote.objects.count() == 0


def test_parsing_prices_and_lines(deal):
    assert parse_price(" 12.5 ") == Decimal("12.50")
    for bad in ("abc", "NaN", "Infinity", "1e400", ""):
        with pytest.raises(QuoteError):
            parse_price(bad)
    assert parse_line(sku="CHAIR", quantity="3", unit_price="").unit_price == Decimal("100.00")
    with pytest.raises(QuoteError, match="No product"):
        parse_line(sku="NOPE", quantity="3", unit_price="1")


def test_only_customers_decline_and_only_staff_withdraw(people, deal):
    quote = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 2, "95.00"))
    with pytest.raises(QuoteError):
        services.withdraw_quote(quote=quote, actor=people["customer"])
    with pytest.raises(QuoteError):
        services.decline_quote(quote=quote, actor=deal["staff"])

    services.withdraw_quote(quote=quote, actor=deal["staff"])

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.WITHDRAWN
    assert Message.objects.filter(template="quote_update", subject__contains="withdrawn").exists()
    with pytest.raises(QuoteError, match="closed"):
        services.decline_quote(quote=quote, actor=people["customer"])


def test_a_declined_quote_shows_in_the_owners_tasks(people, deal):
    quote = sent_quote(deal["staff"], deal["ann"], line(deal["chair"], 2, "95.00"))
    services.decline_quote(quote=quote, actor=people["customer"], note="too dear")
    assert Quote.objects.get().status == QuoteStatus.DECLINED
    assert list(awaiting_staff(deal["staff"])) == [quote]
    services.acknowledge_quote(quote=quote, actor=deal["staff"])
    assert list(awaiting_staff(deal["staff"])) == []


def test_out_of_stock_or_a_refused_payment_mode_leaves_the_quote_open(people, deal):
    scarce = stocked_product(quantity=3, price="10.00", sku="SCARCE")
    quote = sent_quote(deal["staff"], deal["ann"], line(scarce, 5, "9.00"))
    with pytest.raises(OutOfStock):
        services.accept_quote(
            quote=quote, actor=people["customer"], answering=1, delivery=delivery(deal["ann"])
        )
    with pytest.raises(CreditNotAllowed):  # unrated customers get no credit terms
        services.accept_quote(
            quote=quote,
            actor=people["customer"],
            answering=1,
            delivery=delivery(deal["ann"], payment="credit_terms"),
        )
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT and quote.order is None
    assert Order.objects.count() == 0 and stock_of(scarce) == 3
