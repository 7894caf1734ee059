import pytest

from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.inventory.models import StockMove, StockRecord
from rapport.inventory.services import StockError, adjust_stock

pytestmark = pytest.mark.django_db


def test_adjust_stock_writes_ledger_and_audit(people):
    product = stocked_product(quantity=5)

    adjust_stock(product=product, delta=7, reason="restock", actor=people["employee"], note="PO-1")

    assert stock_of(product) == 12
    move = StockMove.objects.get(product=product)
    assert (move.delta, move.quantity_after, move.reason, move.note) == (7, 12, "restock", "PO-1")
    assert (
        AuditEntry.objects.filter(action="stock.adjusted", object_id=str(product.pk)).count() == 1
    )


def test_adjust_stock_creates_a_record_for_an_untracked_product(people):
    from rapport.catalog.tests.factories import ProductFactory

    product = ProductFactory()
    adjust_stock(product=product, delta=3, reason="restock", actor=people["employee"])
    assert StockRecord.objects.get(product=product).quantity == 3


@pytest.mark.parametrize(("delta", "reason"), [(-6, "adjustment"), (0, "adjustment"), (2, "sale")])
def test_bad_adjustment_is_refused_and_changes_nothing(people, delta, reason):
    product = stocked_product(quantity=5)

    with pytest.raises(StockError):
        adjust_stock(product=product, delta=delta, reason=reason, actor=people["employee"])

    assert stock_of(product) == 5
    assert StockMove.objects.count() == 0
    assert AuditEntry.objects.filter(action="stock.adjusted").count() == 0


def test_stock_untracked_products_is_idempotent():
    from django.core.management import call_command

    tracked = stocked_product(quantity=5)
    from rapport.catalog.tests.factories import ProductFactory

    untracked = ProductFactory()
    call_command("stock_untracked_products", "--quantity", "40")
    call_command("stock_untracked_products", "--quantity", "40")

    assert stock_of(tracked) == 5
    assert stock_of(untracked) == 40
    assert StockMove.objects.filter(product=untracked).count() == 1
