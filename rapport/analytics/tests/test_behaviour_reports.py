"""Purchase tendencies and identity analysis against figures computed by hand from the real
Online Retail slice (its CSV read again here, with the import's rules written out), plus a few
hand-made customers for the profile bands; exports parsed back; the category rollup agrees with
the product rollup."""

import csv
import datetime
import gzip
import io
import re
from collections import Counter, defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from rapport.analytics.exports import to_csv, to_xlsx
from rapport.analytics.identity import identity_analysis
from rapport.analytics.models import CategoryDay, CustomerMonth, ProductDay
from rapport.analytics.reports import parse_filters, trends
from rapport.analytics.rollups import rebuild_all
from rapport.analytics.tendencies import purchase_tendencies
from rapport.analytics.tests.test_reports import NON_PRODUCT, SLICE, WHOLE_SLICE, imported

pytestmark = pytest.mark.django_db
__all__ = ["imported"]

LONDON = ZoneInfo("Europe/London")


def sale_invoices():
    """Sale invoices of the slice as the import keeps them: {invoice: (placed_at UTC, customer,
    product lines, {stock code: (units, revenue)})}; a line counts when its price is positive
    with whole pence, its quantity positive and its code is not the bad-debt B."""
    found: dict = {}
    with gzip.open(SLICE, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            invoice, code = row["InvoiceNo"], row["StockCode"].strip().upper()
            qty, price = int(row["Quantity"]), Decimal(row["UnitPrice"])
            if not re.fullmatch(r"\d+", invoice) or qty <= 0 or code == "B":
                continue
            if price <= 0 or price != price.quantize(Decimal("0.01")):
                continue
            local = datetime.datetime.fromisoformat(row["InvoiceDate"]).replace(tzinfo=LONDON)
            inv = found.setdefault(
                invoice,
                {"at": local.astimezone(datetime.UTC), "customer": row["CustomerID"],
                 "lines": 0, "products": defaultdict(lambda: [0, Decimal(0)])},
            )  # fmt: skip
            inv["at"] = min(inv["at"], local.astimezone(datetime.UTC))
            if code not in NON_PRODUCT and not code.startswith("GIFT_"):
                inv["lines"] += 1
                inv["products"][code][0] += qty
                inv["products"][code][1] += qty * price
    return found


def test_heat_map_counts_every_sale_invoice_at_its_weekday_and_hour(imported):
    expected = Counter((inv["at"].isoweekday(), inv["at"].hour) for inv in sale_invoices().values())
    data = purchase_tendencies(parse_filters(WHOLE_SLICE))
    heat = data.tables[3]
    got = {
        (day, hour): row[f"h{hour}"]
        for day, row in enumerate(heat.rows, start=1)
        for hour in range(24)
        if row[f"h{hour}"]
    }
    assert got == dict(expected)
    assert sum(expected.values()) == len(sale_invoices())
    chart = data.chart_json()
    assert chart["kind"] == "heatmap" and len(chart["y"]) == 7
    assert sum(cell[2] for cell in chart["series"][0]["data"]) == sum(expected.values())


def test_basket_sizes_and_top_products_match_the_slice(imported):
    invoices = sale_invoices().values()
    sizes = Counter(inv["lines"] for inv in invoices if inv["lines"])
    data = purchase_tendencies(parse_filters(WHOLE_SLICE))
    baskets = {r["lines"]: r["orders"] for r in data.tables[2].rows}
    assert baskets["1"] == sizes[1]
    assert baskets["2"] == sizes[2]
    assert baskets["6-10"] == sum(n for size, n in sizes.items() if 6 <= size <= 10)
    assert sum(baskets.values()) == sum(sizes.values())

    per_code: dict = defaultdict(lambda: [0, Decimal(0)])
    for inv in invoices:
        for code, (units, revenue) in inv["products"].items():
            per_code[code][0] += units
            per_code[code][1] += revenue
    best_code, (best_units, best_revenue) = max(per_code.items(), key=lambda kv: kv[1][1])
    top = data.tables[0].rows[0]
    assert (top["units"], top["revenue"]) == (best_units, best_revenue), best_code
    total = sum(r for _u, r in per_code.values())
    assert top["share"] == (best_revenue / total).quantize(Decimal("0.0001"))


def test_strongest_rules_come_first_and_follow_the_category(imported):
    from rapport.catalog.models import Category, Product
    from rapport.recommendations.models import ProductRule

    a, b, c = Product.objects.order_by("pk")[:3]
    other = Category.objects.create(name="Elsewhere", slug="elsewhere")
    Product.objects.filter(pk=c.pk).update(category=other)
    for rank, (x, y, lift) in enumerate([(a, b, 2.5), (b, a, 7.25), (c, a, 9.0)], start=1):
        ProductRule.objects.create(
            antecedent=x, consequent=y, pair_count=3, support=0.01, confidence=0.4,
            lift=lift, rank=rank,
        )  # fmt: skip
    rows = purchase_tendencies(parse_filters(WHOLE_SLICE)).tables[1].rows
    assert [r["lift"] for r in rows] == [Decimal("9.00"), Decimal("7.25"), Decimal("2.50")]
    assert rows[1]["antecedent"] == b.name and rows[1]["consequent"] == a.name
    only = purchase_tendencies(parse_filters({**WHOLE_SLICE, "category": str(other.pk)}))
    assert [r["antecedent"] for r in only.tables[1].rows] == [c.name]


def months_by_hand():
    """{customer: set of months with a sale invoice} from the slice."""
    active: dict = defaultdict(set)
    for inv in sale_invoices().values():
        if inv["customer"]:
            active[inv["customer"]].add(inv["at"].date().replace(day=1))
    return active


def test_new_returning_and_cohort_retention_match_the_slice(imported):
    active = months_by_hand()
    first = {c: min(months) for c, months in active.items()}
    data = identity_analysis(parse_filters(WHOLE_SLICE))
    per_month = {r["month"]: r for r in data.tables[4].rows}
    months = sorted({m for ms in active.values() for m in ms})
    assert list(per_month) == [m.strftime("%Y-%m") for m in months]
    for month in months:
        row = per_month[month.strftime("%Y-%m")]
        buyers = [c for c, ms in active.items() if month in ms]
        assert row["customers"] == len(buyers)
        assert row["new"] == sum(1 for c in buyers if first[c] == month)
        assert row["returning"] == len(buyers) - row["new"]

    cohorts = {r["cohort"]: r for r in data.tables[5].rows}
    for cohort in sorted(set(first.values())):
        members = [c for c, f in first.items() if f == cohort]
        row = cohorts[cohort.strftime("%Y-%m")]
        assert row["customers"] == len(members)
        for k in range(1, 13):
            later = (cohort.year * 12 + cohort.month - 1 + k) // 12, (cohort.month - 1 + k) % 12 + 1
            month = datetime.date(later[0], later[1], 1)
            back = sum(1 for c in members if month in active[c])
            assert row[f"m{k}"] == (Decimal(back) / len(members)).quantize(Decimal("0.0001"))


def test_profile_bands_count_each_buying_customer_once(imported):
    from rapport.customers.models import Customer, Occupation
    from rapport.orders.models import Order

    teacher = Occupation.objects.create(slug="teacher-x", name="Teacher X")
    people = [
        ("a", datetime.date(1990, 6, 30), "female", teacher),  # 34 on 2025-06-29, 35 on 06-30
        ("b", datetime.date(2001, 1, 1), "male", None),  # 24
        ("c", None, "", None),
    ]
    for i, (name, birthday, gender, occupation) in enumerate(people):
        customer = Customer.objects.create(
            name=name, country="Iceland", region="North", birthday=birthday, gender=gender,
            occupation=occupation,
        )  # fmt: skip
        for j, day in enumerate((3, 20)):  # two orders each, one month: counted once
            Order.objects.create(
                number=f"T-{i}-{j}", customer=customer, total=Decimal("10.00"),
                placed_at=datetime.datetime(2025, 6, day, 12, tzinfo=datetime.UTC),
                country="Iceland", status="delivered",
            )  # fmt: skip
    rebuild_all()
    period = {"start": "2025-06-01", "end": "2025-06-29", "country": "Iceland"}
    data = identity_analysis(parse_filters(period))
    ages = {str(r["band"]): r["customers"] for r in data.tables[0].rows}
    assert (ages["25-34"], ages["Under 25"], ages["Unknown"]) == (1, 1, 1)
    assert data.tables[0].rows[1]["revenue"] == Decimal("20.00")
    later = identity_analysis(parse_filters({**period, "end": "2025-06-30"}))
    assert {str(r["band"]): r["customers"] for r in later.tables[0].rows}["35-44"] == 1
    genders = {str(r["gender"]): r["customers"] for r in data.tables[1].rows}
    assert genders == {"Female": 1, "Male": 1, "Unknown": 1}
    occupations = {str(r["occupation"]): r["customers"] for r in data.tables[2].rows}
    assert occupations == {"Teacher X": 1, "Unknown": 2}
    assert data.tables[3].rows == [
        {"region": "Iceland / North", "customers": 3, "share": Decimal("1.0000"),
         "revenue": Decimal("60.00")}
    ]  # fmt: skip
    assert CustomerMonth.objects.filter(customer__country="Iceland").count() == 3


def test_category_rollup_is_the_product_rollup_summed(imported):
    def sums(model):
        found: dict = defaultdict(lambda: [0, Decimal(0)])
        for r in model.objects.all():
            key = (r.day, r.country, r.channel, r.category_id)
            found[key][0] += r.units
            found[key][1] += r.revenue
        return dict(found)

    assert sums(CategoryDay) == sums(ProductDay)
    data = trends(parse_filters(WHOLE_SLICE))
    assert sum(r["revenue"] for r in data.tables[1].rows) == sum(
        p.revenue for p in ProductDay.objects.all()
    )


def test_new_reports_export_and_render(imported, clients):
    from openpyxl import load_workbook

    for code, build in (("tendencies", purchase_tendencies), ("identity", identity_analysis)):
        data = build(parse_filters(WHOLE_SLICE))
        book = load_workbook(io.BytesIO(to_xlsx(data)))
        assert len(book.worksheets) == len(data.tables)
        first = list(book.worksheets[0].iter_rows(values_only=True))
        assert len(first) == len(data.tables[0].rows) + 1
        parsed = list(csv.reader(io.StringIO(to_csv(data).decode("utf-8-sig"))))
        assert [data.tables[-1].title] in parsed
        page = clients["manager"].get(reverse("portal:report", args=[code]), WHOLE_SLICE)
        assert page.status_code == 200
        html = page.content.decode()
        assert data.tables[0].title in html and 'id="report-chart-data"' in html


@pytest.mark.parametrize(
    "start,end,edges,months",
    [
        ("2011-03-01", "2011-05-31", [], ("2011-03-01", "2011-05-31")),
        ("2011-03-05", "2011-05-10", [("2011-03-05", "2011-03-31"), ("2011-05-01", "2011-05-10")],
         ("2011-04-01", "2011-04-30")),
        ("2011-03-05", "2011-03-20", [("2011-03-05", "2011-03-20")], None),
        ("2011-02-10", "2011-03-31", [("2011-02-10", "2011-02-28")], ("2011-03-01", "2011-03-31")),
    ],
)  # fmt: skip
def test_a_period_splits_into_edge_days_and_whole_months(start, end, edges, months):
    from rapport.analytics.reports import _month_split

    d = datetime.date.fromisoformat
    got_edges, got_months = _month_split(d(start), d(end))
    assert got_edges == [(d(a), d(b)) for a, b in edges]
    assert got_months == (None if months is None else (d(months[0]), d(months[1])))


def test_top_products_of_a_period_with_ragged_edges_match_the_slice(imported):
    from rapport.analytics.models import ProductMonth

    first, last = datetime.date(2010, 12, 5), datetime.date(2011, 2, 10)
    per_code: dict = defaultdict(lambda: [0, Decimal(0)])
    for inv in sale_invoices().values():
        if first <= inv["at"].date() <= last:
            for code, (units, revenue) in inv["products"].items():
                per_code[code][0] += units
                per_code[code][1] += revenue
    data = purchase_tendencies(parse_filters({"start": str(first), "end": str(last)}))
    got = sorted((r["revenue"], r["units"]) for r in data.tables[0].rows)
    want = sorted((r, u) for u, r in per_code.values())[-len(got) :]
    assert got == want
    assert sum(p.revenue for p in ProductMonth.objects.all()) == sum(
        p.revenue for p in ProductDay.objects.all()
    )
