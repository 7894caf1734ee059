import pytest

from rapport.core import audit
from rapport.core.models import AppendOnlyError, AuditEntry
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_record_puts_entry_on_the_customer_timeline(make_user):
    user = make_user("ann@example.com")
    customer = Customer.objects.create(user=user, email=user.email)

    entry = audit.record(action="profile.changed", actor=user, target=customer, customer=customer)

    assert list(AuditEntry.objects.for_customer(customer.pk)) == [entry]
    assert entry.object_type == "customers.customer"
    assert entry.actor_label == "ann@example.com"


def test_audit_entries_cannot_be_changed_or_deleted():
    entry = audit.record(action="test.done", summary="original")

    entry.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().update(summary="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()

    assert AuditEntry.objects.get(pk=entry.pk).summary == "original"


def test_record_for_customers_writes_what_record_many_writes(make_user):
    user = make_user("max@example.com")
    ann, bob = Customer.objects.create(name="Ann"), Customer.objects.create(name="Bob")
    rows = [(ann.pk, "Grade D → A ünïcode", {"n": 1.5, "s": "x"}), (bob.pk, "x" * 600, {})]

    written = audit.record_for_customers(action="test.batch", actor=user, entries=rows)
    audit.record_many(
        [
            {"action": "test.one", "actor": user, "customer": c, "summary": s, "data": d}
            for c, (_pk, s, d) in zip((ann, bob), rows, strict=True)
        ]
    )

    def seen(action: str) -> list[tuple]:
        return [
            (
                e.customer_id,
                e.actor_id,
                e.actor_label,
                e.ip_address,
                e.object_type,
                e.object_id,
                e.object_label,
                e.summary,
                e.data,
            )
            for e in AuditEntry.objects.filter(action=action).order_by("customer_id")
        ]

    assert written == 2
    assert seen("test.batch") == seen("test.one")
    assert seen("test.batch")[0][:3] == (ann.pk, user.pk, "max@example.com")
    assert len(seen("test.batch")[1][7]) == 500
    assert audit.record_for_customers(action="test.none", actor=None, entries=[]) == 0
    audit.record_for_customers(action="test.system", actor=None, entries=[(ann.pk, "s", {})])
    assert seen("test.system")[0][:3] == (ann.pk, None, "system")
