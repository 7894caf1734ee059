"""Store-credit top-ups are capped per employee: per top-up and per day; beyond, a manager
approves. Money moves, so the cap holds under concurrent requests (PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.core.models import AuditEntry
from rapport.core.testing import (
    REDIRECT_HOME,
    Row,
    check_matrix,
    expect,
    redirect_to,
    run_concurrently,
    skip_unless_postgres,
)
from rapport.customers.models import Customer
from rapport.payments.models import TopUpRequest, TopUpRequestStatus, WalletAccount, WalletEntry
from rapport.payments.services import PaymentError
from rapport.payments.topups import decide_top_up, request_top_up


def balance(customer):
    account = WalletAccount.objects.filter(customer=customer).first()
    return account.balance if account else Decimal("0.00")


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


@pytest.mark.django_db
def test_an_employee_cannot_add_100000_of_credit(clients, people, ann):
    url = reverse("portal:wallet", kwargs={"public_id": ann.public_id})

    response = clients["employee"].post(url, {"amount": "100000", "note": "friend"})

    assert response.status_code == 302
    assert balance(ann) == Decimal("0.00")  # nothing added: it waits for a manager
    pending = TopUpRequest.objects.get()
    assert (pending.amount, pending.status) == (Decimal("100000.00"), TopUpRequestStatus.PENDING)
    assert AuditEntry.objects.filter(action="wallet.top_up_requested", customer=ann).count() == 1


@pytest.mark.django_db
def test_small_top_ups_apply_until_the_daily_cap(people, ann, settings):
    settings.RAPPORT_TOPUP_APPROVAL_OVER = "200.00"
    settings.RAPPORT_TOPUP_DAILY_LIMIT = "500.00"
    emma = people["employee"]
    outcomes = [
        request_top_up(customer=ann, amount=Decimal("200.00"), actor=emma) for _ in range(3)
    ]

    assert [o.entry is not None for o in outcomes] == [True, True, False]
    assert balance(ann) == Decimal("400.00")
    assert TopUpRequest.objects.filter(status=TopUpRequestStatus.PENDING).count() == 1


@pytest.mark.django_db
def test_a_manager_approves_once_and_an_employee_cannot(people, ann):
    pending = request_top_up(customer=ann, amount=Decimal("900.00"), actor=people["employee"])
    with pytest.raises(PaymentError):
        decide_top_up(request=pending.request, approve=True, actor=people["employee"])
    assert balance(ann) == Decimal("0.00")

    decide_top_up(request=pending.request, approve=True, actor=people["manager"])
    with pytest.raises(PaymentError):
        decide_top_up(request=pending.request, approve=True, actor=people["manager"])

    assert balance(ann) == Decimal("900.00")
    assert WalletEntry.objects.filter(account__customer=ann).count() == 1


@pytest.mark.django_db
def test_a_rejected_top_up_adds_nothing(clients, people, ann):
    pending = request_top_up(customer=ann, amount=Decimal("900.00"), actor=people["employee"])
    url = reverse("portal:top_up_decide", args=[pending.request.pk])

    clients["manager"].post(url, {"approve": "0"})

    assert balance(ann) == Decimal("0.00")
    assert TopUpRequest.objects.get().status == TopUpRequestStatus.REJECTED


@pytest.mark.django_db
def test_top_up_approval_matrix(clients, people, ann):
    pending = request_top_up(customer=ann, amount=Decimal("900.00"), actor=people["employee"])
    approvals = reverse("portal:top_up_approvals")
    managers = lambda ok: expect(non_managers=REDIRECT_HOME, manager=ok)  # noqa: E731
    rows = [
        Row("approvals", approvals, managers(200)),
        Row(
            "decide",
            reverse("portal:top_up_decide", args=[pending.request.pk]),
            managers(redirect_to(approvals)),
            method="post",
            data={"approve": "0"},
        ),
    ]
    assert check_matrix(rows, clients, {}) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_top_ups_cannot_both_fit_under_the_daily_cap(people, ann, settings):
    skip_unless_postgres()
    settings.RAPPORT_TOPUP_APPROVAL_OVER = "200.00"
    settings.RAPPORT_TOPUP_DAILY_LIMIT = "300.00"
    emma = people["employee"]

    results = run_concurrently(
        4, lambda i: request_top_up(customer=ann, amount=Decimal("150.00"), actor=emma)
    )

    assert not [r for r in results if isinstance(r, Exception)]
    applied = [r for r in results if r.entry is not None]
    assert len(applied) == 2
    assert balance(ann) == Decimal("300.00")
    assert TopUpRequest.objects.filter(status=TopUpRequestStatus.PENDING).count() == 2
