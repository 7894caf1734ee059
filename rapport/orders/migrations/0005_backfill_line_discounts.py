"""Backfill: spread the discount lines of web orders placed before lines carried their own
discount over the order's product lines (largest remainder, in proportion to line value), so
every existing line's `net_total` is what was paid for it. Lines of orders without a discount
keep net = line total (the field's default of 0 discount). Self-contained on purpose: a
migration must not change when the app's code does."""

from decimal import ROUND_DOWN, Decimal

from django.db import migrations

CENT = Decimal("0.01")


def _allocate(amount, weights):
    whole = sum(weights, Decimal(0))
    if amount <= 0 or whole <= 0:
        return [Decimal("0.00") for _w in weights]
    amount = min(amount, whole)
    exact = [amount * w / whole for w in weights]
    parts = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int((amount - sum(parts, Decimal(0))) / CENT)
    for i in sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))[:left]:
        parts[i] += CENT
    return parts


def backfill(apps, schema_editor):
    OrderLine = apps.get_model("orders", "OrderLine")
    order_ids = (
        OrderLine.objects.filter(kind="discount", line_total__lt=0, order__source="web")
        .values_list("order_id", flat=True)
        .distinct()
    )
    for order_id in order_ids.iterator():
        lines = list(OrderLine.objects.filter(order_id=order_id).order_by("position", "id"))
        goods = [line for line in lines if line.kind == "product"]
        off = -sum((line.line_total for line in lines if line.kind == "discount"), Decimal(0))
        for line, part in zip(goods, _allocate(off, [g.line_total for g in goods]), strict=True):
            if part:
                OrderLine.objects.filter(pk=line.pk).update(discount=part)


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_line_discount_net_total")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
