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
