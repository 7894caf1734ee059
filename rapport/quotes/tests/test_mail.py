"""The customer's quote mails go through the outbox and arrive over real SMTP, in their language."""

from __future__ import annotations

import pytest

from rapport.accounts.roles import EMPLOYEE
from rapport.aftersales.tests.factories import reachable
from rapport.checkout.tests.factories import stocked_product
from rapport.customers.models import Customer
from rapport.messaging.models import Message, MessageStatus
from rapport.quotes import services
from rapport.quotes.tests.factories import in_days, line, sent_quote

pytestmark = pytest.mark.django_db(transaction=True)


def test_sent_and_countered_quotes_are_mailed_in_the_customers_language(make_user, smtp_server):
    staff = make_user("emma@staff.example.com", role=EMPLOYEE)
    user = make_user("li@example.com")
    li = reachable(
        Customer.objects.create(user=user, email=user.email, name="Li", language="zh-hans")
    )
    lamp = stocked_product(quantity=5, price="30.00", sku="LAMP")

    quote = sent_quote(staff, li, line(lamp, 2, "28.00"))
    services.counter_quote(
        quote=quote,
        actor=user,
        answering=1,
        lines=[line(lamp, 2, "25.00")],
        valid_until=in_days(3),
    )
    services.counter_quote(
        quote=quote,
        actor=staff,
        answering=2,
        lines=[line(lamp, 2, "26.50")],
        valid_until=in_days(3),
    )

    first, second = smtp_server.wait_for(2)
    assert first["To"] == "li@example.com"
    assert first["Subject"] == f"您的报价 {quote.number}"
    assert second["Subject"] == f"报价 {quote.number} 有新的报价"
    body = second.get_body(preferencelist=("plain",)).get_content()
    assert "合计 £53.00" in body and f"/account/quotes/{quote.public_id}/" in body
    assert Message.objects.filter(template="quote_update", status=MessageStatus.SENT).count() == 2
