"""Identity analysis read from its rollups (CustomerMonth with the profile copied on,
CohortMonth) equals the same report computed here from the raw orders and the live customers,
on the real Online Retail slice with profiles given to its customers; and the rollups follow a
placed order, a changed profile and a cancellation at the next refresh."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest

from rapport.analytics.identity import identity_analysis
from rapport.analytics.models import CohortMonth, CustomerMonth, ProfileMonth
from rapport.analytics.reports import parse_filters
from rapport.analytics.rollups import refresh_changed
from rapport.analytics.tests.test_reports import WHOLE_SLICE, imported

pytestmark = pytest.mark.django_db
__all__ = ["imported"]

BANDS = [("Under 25", 0, 24), ("25-34", 25, 34), ("35-44", 35, 44), ("45-54", 45, 54),
         ("55-64", 55, 64), ("65 and over", 65, 200)]  # fmt: skip


def _share(n, total):
    return (Decimal(n) / total).quantize(Decimal("0.0001")) if total else Decimal(0)


def by_hand(filters, segment_members=None):
    """The identity tables from the orders and the customers as they are now."""
    from rapport.customers.models import Customer, Gender
    from rapport.orders.models import Order

    spent = defaultdict(lambda: defaultdict(Decimal))  # customer -> month -> revenue
    for customer, at, total in (
        Order.objects.filter(kind="order", customer__isnull=False)
        .exclude(status="cancelled")
        .values_list("customer_id", "placed_at", "total")
    ):
        spent[customer][at.astimezone(datetime.UTC).date().replace(day=1)] += total
    people = Customer.objects.select_related("occupation").in_bulk(list(spent))
    if filters.country:
        spent = {c: m for c, m in spent.items() if people[c].country == filters.country}
    if segment_members is not None:
        spent = {c: m for c, m in spent.items() if c in segment_members}
    first = {c: min(months) for c, months in spent.items()}
    a, b = filters.start.replace(day=1), filters.end.replace(day=1)
    buyers = {c: sum(v for m, v in months.items() if a <= m <= b)
              for c, months in spent.items() if any(a <= m <= b for m in months)}  # fmt: skip

    def tally(label_of):
        found = defaultdict(lambda: [0, Decimal(0)])
        for c, revenue in buyers.items():
            found[label_of(people[c])][0] += 1
            found[label_of(people[c])][1] += revenue
        return {k: (n, r) for k, (n, r) in found.items()}

    def band(p):
        if p.birthday is None:
            return "Unknown"
        end, born = filters.end, p.birthday
        age = end.year - born.year - ((end.month, end.day) < (born.month, born.day))
        return next(label for label, lo, hi in BANDS if lo <= age <= hi)

    genders = dict(Gender.choices)
    months = sorted({m for ms in spent.values() for m in ms if a <= m <= b})
    per_month = []
    for m in months:
        here = [c for c, ms in spent.items() if m in ms]
        new = [c for c in here if first[c] == m]
        per_month.append({
            "month": m.strftime("%Y-%m"), "customers": len(here), "new": len(new),
            "returning": len(here) - len(new),
            "new_revenue": sum((spent[c][m] for c in new), Decimal(0)),
            "returning_revenue": sum((spent[c][m] for c in here if c not in new), Decimal(0)),
        })  # fmt: skip
    cohorts = []
    for cohort in sorted({f for f in first.values() if a <= f <= b}):
        members = [c for c, f in first.items() if f == cohort]
        row = {"cohort": cohort.strftime("%Y-%m"), "customers": len(members)}
        for k in range(1, 13):
            y, mo = divmod(cohort.year * 12 + cohort.month - 1 + k, 12)
            later = datetime.date(y, mo + 1, 1)
            row[f"m{k}"] = _share(sum(1 for c in members if later in spent[c]), len(members))
        cohorts.append(row)
    return {
        "age": tally(band),
        "gender": tally(lambda p: str(genders.get(p.gender, "Unknown"))),
        "occupation": tally(lambda p: p.occupation.name if p.occupation else "Unknown"),
        "region": tally(lambda p: " / ".join(v for v in (p.country, p.region) if v) or "—"),
        "months": per_month,
        "cohorts": cohorts,
    }


def from_report(data):
    def bands(table, key):
        return {str(r[key]): (r["customers"], r["revenue"]) for r in table.rows if r["customers"]}

    return {
        "age": bands(data.tables[0], "band"),
        "gender": bands(data.tables[1], "gender"),
        "occupation": bands(data.tables[2], "occupation"),
        "region": bands(data.tables[3], "region"),
        "months": [dict(r) for r in data.tables[4].rows],
        "cohorts": [dict(r) for r in data.tables[5].rows],
    }


@pytest.fixture
def profiled(imported):
    """Every slice customer gets a birthday (or none), gender, occupation and region, saved the
    way a person's edit is (so `updated_at` moves); one moves to another country."""
    from rapport.customers.models import Customer, Occupation
    from rapport.orders.models import Order

    jobs = [Occupation.objects.create(slug=f"job-{i}", name=f"Job {i}") for i in range(2)]
    customers = list(Customer.objects.order_by("pk"))
    assert len(customers) >= 8
    for i, c in enumerate(customers):
        born = datetime.date(1950 + (i * 7) % 55, 1 + i % 12, 1 + i % 28)
        c.birthday = None if i % 5 == 0 else born
        c.gender = ["female", "male", "", "other"][i % 4]
        c.occupation = [jobs[0], jobs[1], None][i % 3]
        c.region = ["North", "South", ""][i % 3]
        if i == 1:
            c.country = "Iceland"
        c.save()
    # The slice's customers buy in one month each: a third of them come back later (one twice
    # in a month), so spans of months hold customers with several rows.
    for i, c in enumerate(customers[::3]):
        first = Order.objects.filter(customer=c).order_by("placed_at").first()
        if first is None:
            continue
        for k, months in enumerate((2, 2, 5 + i % 4)):
            Order.objects.create(
                number=f"R-{c.pk}-{k}", customer=c, total=Decimal("7.50") * (k + 1),
                placed_at=first.placed_at + datetime.timedelta(days=31 * months + k),
                country=c.country, status="delivered",
            )  # fmt: skip
    return customers


PERIODS = [
    WHOLE_SLICE,
    {"start": "2011-03-15", "end": "2011-08-20"},  # months in the middle: each buyer once
    {"start": "2011-01-01", "end": "2011-12-31", "country": "United Kingdom"},
    {"start": "2010-12-01", "end": "2011-06-30", "country": "Iceland"},
]


@pytest.mark.parametrize("params", PERIODS, ids=["whole", "middle", "uk", "moved"])
def test_rollup_report_equals_the_raw_computation(profiled, params):
    refresh_changed()  # copies the changed profiles onto the rollup rows

    filters = parse_filters(params)
    expected, got = by_hand(filters), from_report(identity_analysis(filters))

    assert got == expected
    assert sum(n for n, _r in got["age"].values()) == len(
        {c for c, m in CustomerMonth.objects.filter(
            month__gte=filters.start.replace(day=1), month__lte=filters.end.replace(day=1),
            **({"country": filters.country} if filters.country else {}),
        ).values_list("customer_id", "month")}
    )  # fmt: skip


def test_a_segment_reads_the_customer_rows_and_agrees(profiled):
    from rapport.segments.models import Segment, SegmentKind, SegmentMembership

    refresh_changed()
    segment = Segment.objects.create(name="Half", kind=SegmentKind.STATIC)
    members = {c.pk for c in profiled[::2]}
    SegmentMembership.objects.bulk_create(
        [SegmentMembership(segment=segment, customer_id=pk) for pk in members]
    )
    filters = parse_filters({**WHOLE_SLICE, "segment": str(segment.public_id)})

    assert from_report(identity_analysis(filters)) == by_hand(filters, members)


def test_profile_rollup_is_the_customer_rows_summed_after_an_old_cancellation(profiled, people):
    from rapport.orders.lifecycle import advance_order
    from rapport.orders.models import Order, OrderStatus

    refresh_changed()
    # Cancel a returning customer's orders of one month: later rows' previous month moves.
    row = CustomerMonth.objects.filter(prev_month__isnull=False).order_by("month").first()
    start = datetime.datetime.combine(row.prev_month, datetime.time.min, tzinfo=datetime.UTC)
    for order in Order.objects.filter(
        customer_id=row.customer_id, kind="order", placed_at__gte=start,
        placed_at__lt=start + datetime.timedelta(days=31),
    ).exclude(status="cancelled"):  # fmt: skip
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.PLACED)
        advance_order(order=order, to=OrderStatus.CANCELLED, actor=people["manager"])
    refresh_changed()

    fields = ("month", "prev_month", "country", "region", "gender", "birthday", "occupation_id")
    summed = defaultdict(lambda: [0, Decimal(0)])
    for r in CustomerMonth.objects.values(*fields, "revenue"):
        summed[tuple(r[f] for f in fields)][0] += 1
        summed[tuple(r[f] for f in fields)][1] += r["revenue"]
    assert {
        tuple(r[f] for f in fields): [r["customers"], r["revenue"]]
        for r in ProfileMonth.objects.values(*fields, "customers", "revenue")
    } == dict(summed)
    assert CustomerMonth.objects.get(pk=row.pk).prev_month != row.prev_month
    filters = parse_filters(WHOLE_SLICE)
    assert from_report(identity_analysis(filters)) == by_hand(filters)


def test_cohort_rollup_is_the_customer_rows_summed(profiled):
    refresh_changed()
    summed = defaultdict(lambda: [0, Decimal(0)])
    for row in CustomerMonth.objects.all():
        summed[(row.cohort, row.month, row.country)][0] += 1
        summed[(row.cohort, row.month, row.country)][1] += row.revenue

    assert {
        (r.cohort, r.month, r.country): [r.customers, r.revenue] for r in CohortMonth.objects.all()
    } == dict(summed)


def test_placing_an_order_updates_the_report_at_the_next_refresh(imported, people):
    from rapport.aftersales.tests.factories import buy, stocked_product
    from rapport.customers.models import Customer
    from rapport.orders.lifecycle import advance_order
    from rapport.orders.models import OrderStatus

    refresh_changed()
    ann = Customer.objects.get(user=people["customer"])
    ann.birthday, ann.gender, ann.country = datetime.date(1990, 1, 1), "female", "Iceland"
    ann.save()
    today = datetime.datetime.now(datetime.UTC).date()
    this_month = {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    filters = parse_filters(this_month)
    assert identity_analysis(filters).tables[4].rows == []

    order = buy(people["customer"], ann, [(stocked_product(price="12.50"), 2)])
    refresh_changed()

    data = identity_analysis(filters)
    month = data.tables[4].rows
    assert [(r["customers"], r["new"], r["returning"], r["new_revenue"]) for r in month] == [
        (1, 1, 0, order.total)
    ]
    assert from_report(data) == by_hand(filters)
    assert from_report(data)["gender"] == {"Female": (1, order.total)}

    ann.gender = "male"  # a profile edit alone moves her at the next refresh
    ann.save()
    refresh_changed()
    assert from_report(identity_analysis(filters))["gender"] == {"Male": (1, order.total)}

    advance_order(order=order, to=OrderStatus.CANCELLED, actor=people["manager"])
    refresh_changed()
    assert identity_analysis(filters).tables[4].rows == []
    assert not CustomerMonth.objects.filter(customer=ann).exists()
    assert not CohortMonth.objects.filter(month=today.replace(day=1)).exists()
