"""Report figures against sums computed by hand from the real Online Retail slice, exports
parsed back, rollups kept fresh, filters and their errors."""

import csv
import datetime
import gzip
import io
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from rapport.analytics.exports import to_csv, to_xlsx
from rapport.analytics.models import ProductDay, SalesDay
from rapport.analytics.reports import FilterError, parse_filters, transactions, trends
from rapport.analytics.rollups import rebuild_all, refresh_changed
from rapport.core.models import AuditEntry

pytestmark = pytest.mark.django_db

SLICE = Path(__file__).resolve().parents[3] / "tests" / "data" / "online_retail_slice.csv.gz"
NON_PRODUCT = {"POST", "DOT", "C2", "D", "BANK CHARGES", "AMAZONFEE", "CRUK", "M", "S", "PADS"}
WHOLE_SLICE = {"start": "2010-12-01", "end": "2011-12-31", "grain": "month"}


@pytest.fixture
def imported(tmp_path):
    call_command(
        "import_online_retail",
        str(SLICE),
        report_dir=str(tmp_path),
        no_progress=True,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    rebuild_all()


def by_hand():
    """Per month (UTC; no slice invoice is near a month's midnight): sale invoices, revenue,
    product units; credit notes and their value — with the import's rules written out again:
    a line counts when its price is positive with whole pence, its quantity is positive on a
    sale (negative on a credit note), and it is not the bad-debt code B."""
    months = defaultdict(lambda: {"orders": set(), "revenue": Decimal(0), "items": 0,
                                  "credit_notes": set(), "credited": Decimal(0)})  # fmt: skip
    with gzip.open(SLICE, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            invoice, code = row["InvoiceNo"], row["StockCode"].strip().upper()
            qty, price = int(row["Quantity"]), Decimal(row["UnitPrice"])
            sale, credit = re.fullmatch(r"\d+", invoice), re.fullmatch(r"C\d+", invoice)
            if code == "B" or price <= 0 or price != price.quantize(Decimal("0.01")) or qty == 0:
                continue
            month = row["InvoiceDate"][:7]
            if sale and qty > 0:
                m = months[month]
                m["orders"].add(invoice)
                m["revenue"] += qty * price
                if code not in NON_PRODUCT and not code.startswith("GIFT_"):
                    m["items"] += qty
            elif credit and qty < 0:
                months[month]["credit_notes"].add(invoice)
                months[month]["credited"] += -qty * price
    return months


def test_transaction_figures_match_sums_by_hand(imported):
    data = transactions(parse_filters(WHOLE_SLICE))
    rows = {r["period"].strftime("%Y-%m"): r for r in data.tables[0].rows[:-1]}
    expected = by_hand()
    assert set(rows) == set(expected)
    for month, m in expected.items():
        got = rows[month]
        assert got["orders"] == len(m["orders"]), month
        assert got["revenue"] == m["revenue"], month
        assert got["items"] == m["items"], month
        assert got["credit_notes"] == len(m["credit_notes"]), month
        assert got["credited"] == m["credited"], month
    total = data.tables[0].rows[-1]
    assert total["orders"] == sum(len(m["orders"]) for m in expected.values())
    assert total["aov"] == (total["revenue"] / total["orders"]).quantize(Decimal("0.01"))


def test_first_invoice_is_in_the_first_day_and_in_the_trends(imported):
    # 536365: 7 lines, 40 units, £139.12, United Kingdom, 2010-12-01 08:26 (by hand).
    row = SalesDay.objects.get(day=datetime.date(2010, 12, 1), country="United Kingdom")
    assert row.orders >= 1
    lines = ProductDay.objects.filter(day=datetime.date(2010, 12, 1), product__sku="85123A")
    assert lines.get().revenue == Decimal("15.30")  # 6 x £2.55
    data = trends(parse_filters({**WHOLE_SLICE, "country": "United Kingdom"}))
    assert sum(r["revenue"] for r in data.tables[0].rows) == sum(
        p.revenue for p in ProductDay.objects.filter(country="United Kingdom")
    )


def test_a_country_filter_keeps_only_that_country(imported):
    everyone = transactions(parse_filters(WHOLE_SLICE)).tables[0].rows[-1]
    uk = (
        transactions(parse_filters({**WHOLE_SLICE, "country": "United Kingdom"})).tables[0].rows[-1]
    )
    others = SalesDay.objects.exclude(country="United Kingdom")
    assert uk["orders"] == everyone["orders"] - sum(r.orders for r in others)


def test_xlsx_and_csv_exports_parse_back_to_the_same_figures(imported):
    from openpyxl import load_workbook

    data = transactions(parse_filters(WHOLE_SLICE))
    book = load_workbook(io.BytesIO(to_xlsx(data)))
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("Period", "Orders", "Revenue")
    assert [v[1] for v in values[1:]] == [r["orders"] for r in data.tables[0].rows]
    assert Decimal(str(values[-1][2])) == data.tables[0].rows[-1]["revenue"]
    text = to_csv(data).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["By period"]
    total = next(row for row in parsed if row and row[0] == "Total")
    assert int(total[1]) == data.tables[0].rows[-1]["orders"]
    assert ["Payment-mode mix"] in parsed


def test_export_is_audited_with_its_filters(imported, clients):
    url = reverse("portal:report_export", args=["transactions", "csv"])
    response = clients["manager"].get(url, WHOLE_SLICE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    entry = AuditEntry.objects.get(action="analytics.exported")
    assert entry.data["filters"]["start"] == "2010-12-01"
    assert entry.data["format"] == "csv"


def test_report_page_is_a_table_without_javascript(imported, clients):
    response = clients["manager"].get(reverse("portal:report", args=["trends"]), WHOLE_SLICE)
    html = response.content.decode()
    assert 'id="report-chart-data"' in html
    assert "<table" in html
    assert "Rising products" in html


def test_refresh_picks_up_a_cancelled_order(imported, people):
    from rapport.orders.lifecycle import advance_order
    from rapport.orders.models import Order, OrderStatus

    order = Order.objects.filter(kind="order", status=OrderStatus.DELIVERED).first() or (
        Order.objects.filter(kind="order").first()
    )
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PLACED)
    day = order.placed_at.astimezone(datetime.UTC).date()
    before = sum(r.cancelled for r in SalesDay.objects.filter(day=day))
    advance_order(order=order, to=OrderStatus.CANCELLED, actor=people["manager"])

    refresh_changed()

    assert sum(r.cancelled for r in SalesDay.objects.filter(day=day)) == before + 1


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2011-13-01"},
        {"start": "2011-02-01", "end": "2011-01-01"},
        {"grain": "year"},
        {"start": "2000-01-01", "end": "2011-01-01"},
        {"category": "x"},
    ],
)
def test_bad_filters_are_clear_errors(params):
    with pytest.raises(FilterError):
        parse_filters(params)


def test_refresh_command_rebuilds_every_day(imported):
    SalesDay.objects.all().delete()
    out = io.StringIO()
    call_command("refresh_report_rollups", "--all", stdout=out)
    days = SalesDay.objects.values("day").distinct().count()
    assert out.getvalue().strip() == f"{days} day(s) refreshed"
    assert days > 0


def test_heavy_customers_rank_by_spend_and_by_predicted_value_with_manager_and_contact(
    imported, people
):
    """Spend ranking = RFM's net spend of the real slice (highest first); the second table
    ranks by the value model's prediction; account manager and last contact (the latest of a
    chat message and a ticket message) are shown."""
    from rapport.analytics.reports import heavy_customers
    from rapport.chat.models import Room, RoomKind
    from rapport.customervalue.models import CustomerValue
    from rapport.segments.models import RfmScore

    call_command("compute_rfm", stdout=io.StringIO())
    scores = list(RfmScore.objects.select_related("customer").order_by("-monetary"))
    top, second = scores[0].customer, scores[1].customer
    manager = people["manager"]
    now = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)
    CustomerValue.objects.create(
        customer=second, predicted_12m=Decimal("99999.00"), computed_at=now,
        account_manager=manager,
    )  # fmt: skip
    CustomerValue.objects.create(customer=top, predicted_12m=Decimal("10.00"), computed_at=now)
    Room.objects.create(kind=RoomKind.CUSTOMER, customer=second, last_message_at=now)
    Room.objects.create(
        kind=RoomKind.CUSTOMER, customer=second, last_message_at=now - datetime.timedelta(days=9)
    )

    data = heavy_customers(parse_filters({}))
    by_spend, by_value = data.tables[0].rows, data.tables[1].rows
    assert [r["spend"] for r in by_spend] == [s.monetary for s in scores[:100]]
    assert by_spend[0]["customer"] == (top.name or top.email or str(top.public_id))
    assert by_spend[0]["manager"] == "" and by_spend[0]["last_contact"] is None
    assert by_spend[1]["manager"] == (manager.get_full_name() or manager.email)
    assert by_spend[1]["last_contact"] == now.date()
    assert [r["predicted"] for r in by_value] == [Decimal("99999.00"), Decimal("10.00")]
    assert by_value[0]["spend"] == scores[1].monetary
