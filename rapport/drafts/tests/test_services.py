"""Draft orders: versions, conflicts, placing with a payment mode the credit rating allows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.drafts.models import DraftLine, DraftStatus
from rapport.drafts.services import (
    DraftConflict,
    DraftError,
    DraftLineInput,
    discard_draft,
    place_draft,
    save_draft,
)
from rapport.orders.models import Order
from rapport.payments.models import CreditAccount
from rapport.quotes.tests.factories import customer_of

pytestmark = pytest.mark.django_db


def test_an_edit_raises_the_version_and_a_stale_edit_changes_nothing(people):
    ann = customer_of(people["customer"])
    chair, lamp = stocked_product(), stocked_product()
    draft = save_draft(actor=people["employee"], customer=ann, lines=[DraftLineInput(chair, 1)])
    save_draft(
        actor=people["employee"],
        customer=ann,
        lines=[DraftLineInput(chair, 4)],
        base_version=1,
        draft_id=draft.public_id,
    )

    with pytest.raises(DraftConflict) as caught:
        save_draft(
            actor=people["customer"],
            customer=ann,
            lines=[DraftLineInput(lamp, 1)],
            base_version=1,
            draft_id=draft.public_id,
        )

    assert caught.value.current.version == 2
    assert list(DraftLine.objects.values_list("product_id", "quantity")) == [(chair.pk, 4)]
    assert AuditEntry.objects.filter(customer=ann, action__startswith="draft_order.").count() == 2


def test_placing_uses_credit_terms_when_the_rating_allows_them(people):
    ann = customer_of(people["customer"])
    CreditAccount.objects.create(customer=ann, allowed=True, limit=Decimal("5000.00"), days=30)
    chair = stocked_product(quantity=5, price="100.00")
    draft = save_draft(actor=people["employee"], customer=ann, lines=[DraftLineInput(chair, 2)])

    order = place_draft(draft=draft, actor=people["employee"], base_version=1)

    assert order.payment_method == "credit_terms" and order.source == "draft"
    assert order.subtotal == Decimal("200.00") and stock_of(chair) == 3


def test_placing_is_refused_when_only_prepaid_modes_are_open(people, settings):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=5, price="100000.00")  # far above any cash-on-delivery limit
    draft = save_draft(actor=people["employee"], customer=ann, lines=[DraftLineInput(chair, 1)])

    with pytest.raises(DraftError):
        place_draft(draft=draft, actor=people["employee"], base_version=1)

    assert not Order.objects.exists() and stock_of(chair) == 5


def test_a_discarded_draft_cannot_be_placed(people):
    ann = customer_of(people["customer"])
    draft = save_draft(
        actor=people["customer"], customer=ann, lines=[DraftLineInput(stocked_product(), 1)]
    )
    discard_draft(draft=draft, actor=people["customer"], base_version=1)

    with pytest.raises(DraftConflict):
        place_draft(draft=draft, actor=people["customer"], base_version=1)

    draft.refresh_from_db()
    assert draft.status == DraftStatus.DISCARDED and not Order.objects.exists()


def test_a_customer_may_not_draft_for_someone_else(people):
    bob = customer_of(people["other_customer"])

    with pytest.raises(DraftError):
        save_draft(actor=people["customer"], customer=bob, lines=[])
