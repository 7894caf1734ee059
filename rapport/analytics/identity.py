"""Identity analysis: who the buying customers are (age band, gender, occupation, region), new
vs returning customers per month, and cohort retention (monthly cohorts x months since the
first order). Reads the ProfileMonth rollup for the profile bands and the CohortMonth rollup
for new/returning and retention, or the CustomerMonth rows (profile copied on) of the members
when a segment is chosen; see docs/analytics.md.

A customer counts in a period when they have a sale order (not cancelled) in one of the
calendar months the period touches; ages are taken on the period's last day."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.utils.translation import gettext_lazy as _

from rapport.analytics.models import CohortMonth, CustomerMonth, ProfileMonth
from rapport.analytics.reports import Filters, ReportData, Table, _ratio

RETENTION_MONTHS = 12
TOP_REGIONS = 20
AGE_BANDS = [
    (_("Under 25"), 0, 24),
    (_("25-34"), 25, 34),
    (_("35-44"), 35, 44),
    (_("45-54"), 45, 54),
    (_("55-64"), 55, 64),
    (_("65 and over"), 65, 200),
]


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _months_between(a: datetime.date, b: datetime.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _customers(filters: Filters) -> QuerySet[CustomerMonth]:
    """Customer-month rows of the filtered customers (any month)."""
    from rapport.segments.models import SegmentMembership

    qs = CustomerMonth.objects.all()
    if filters.country:
        qs = qs.filter(country=filters.country)
    if filters.segment:
        members = SegmentMembership.objects.filter(segment__public_id=filters.segment)
        qs = qs.filter(customer_id__in=members.values("customer_id"))
    return qs.order_by()


def _active(filters: Filters) -> QuerySet[CustomerMonth]:
    return _customers(filters).filter(
        month__gte=_month(filters.start), month__lte=_month(filters.end)
    )


def _age(birthday: datetime.date, on: datetime.date) -> int:
    return on.year - birthday.year - ((on.month, on.day) < (birthday.month, birthday.day))


def _share_rows(found: list[tuple[Any, int, Decimal]], key: str) -> list[dict[str, Any]]:
    total = sum(n for _label, n, _r in found)
    return [
        {key: label, "customers": n, "share": _ratio(n, total, 4), "revenue": revenue}
        for label, n, revenue in found
    ]


def profile_groups(filters: Filters) -> dict[str, dict[Any, list[Any]]]:
    """Customers with an order in the period and their revenue, counted by birthday, gender,
    occupation and (country, region) in one scan of the period's ProfileMonth rows (the
    customer-month rows of the segment's members when a segment is chosen): a customer counts
    once, on their first row in the period (no earlier month with an order inside it), and
    every row adds its revenue. Grouped by GROUPING SETS in PostgreSQL (the
    ORM's query wrapped), in Python on other databases."""
    first = Q(prev_month__isnull=True) | Q(prev_month__lt=_month(filters.start))
    if filters.segment:
        rows: QuerySet[Any] = _active(filters).annotate(n=Value(1))
    else:
        rows = ProfileMonth.objects.filter(
            month__gte=_month(filters.start), month__lte=_month(filters.end)
        ).annotate(n=F("customers"))
        if filters.country:
            rows = rows.filter(country=filters.country)
    inner = (
        rows.order_by()
        .annotate(
            bd=F("birthday"),
            gd=F("gender"),
            oc=F("occupation_id"),
            ct=F("country"),
            rg=F("region"),
            first=ExpressionWrapper(first, output_field=BooleanField()),
            spent=F("revenue"),
        )
        .values("bd", "gd", "oc", "ct", "rg", "first", "n", "spent")
    )
    groups: dict[str, dict[Any, list[Any]]] = {
        "age": {},
        "gender": {},
        "occupation": {},
        "region": {},
    }
    if connection.vendor != "postgresql":
        for r in inner:
            for name, key in (
                ("age", r["bd"]), ("gender", r["gd"]), ("occupation", r["oc"]),
                ("region", (r["ct"], r["rg"])),
            ):  # fmt: skip
                found = groups[name].setdefault(key, [0, Decimal(0)])
                found[0] += r["n"] if r["first"] else 0
                found[1] += r["spent"] or Decimal(0)
        return groups
    sql, params = inner.query.sql_with_params()
    # The ORM's own SQL and parameters, wrapped: no outside text reaches the query.
    query = (
        "SELECT bd, gd, oc, ct, rg, SUM(n) FILTER (WHERE first), SUM(spent), "  # noqa: S608
        "GROUPING(bd), GROUPING(gd), "
        f"GROUPING(oc) FROM ({sql}) AS buyers "
        "GROUP BY GROUPING SETS ((bd), (gd), (oc), (ct, rg))"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for bd, gd, oc, ct, rg, n, spent, g_bd, g_gd, g_oc in cursor.fetchall():
            if not g_bd:
                name, key = "age", bd
            elif not g_gd:
                name, key = "gender", gd
            elif not g_oc:
                name, key = "occupation", oc
            else:
                name, key = "region", (ct, rg)
            groups[name][key] = [n, spent or Decimal(0)]
    return groups


def _merge(groups: dict[Any, list[Any]], key: Any) -> dict[Any, list[Any]]:
    merged: dict[Any, list[Any]] = {}
    for k, (n, revenue) in groups.items():
        found = merged.setdefault(key(k), [0, Decimal(0)])
        found[0] += n
        found[1] += revenue
    return merged


def by_age(filters: Filters, groups: dict[str, dict[Any, list[Any]]]) -> list[dict[str, Any]]:
    def band(birthday: datetime.date | None) -> Any:
        if birthday is None:
            return None
        age = _age(birthday, filters.end)
        return next((label for label, lo, hi in AGE_BANDS if lo <= age <= hi), None)

    bands = _merge(groups["age"], band)
    found = [(label, *bands.get(label, [0, Decimal(0)])) for label, _lo, _hi in AGE_BANDS]
    found.append((_("Unknown"), *bands.get(None, [0, Decimal(0)])))
    return _share_rows(found, "band")


def _ranked(groups: dict[Any, list[Any]], label: Any) -> list[tuple[Any, int, Decimal]]:
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1][0], str(kv[0])))
    return [(label(k), n, revenue) for k, (n, revenue) in ordered]


def by_gender(groups: dict[str, dict[Any, list[Any]]]) -> list[dict[str, Any]]:
    from rapport.customers.models import Gender

    labels = dict(Gender.choices)
    merged = _merge(groups["gender"], lambda g: g or "")
    return _share_rows(_ranked(merged, lambda g: labels.get(g, _("Unknown"))), "gender")


def by_occupation(groups: dict[str, dict[Any, list[Any]]]) -> list[dict[str, Any]]:
    from rapport.customers.models import Occupation

    found = groups["occupation"]
    names = {o.pk: o.label for o in Occupation.objects.filter(pk__in=[k for k in found if k])}
    return _share_rows(_ranked(found, lambda k: names.get(k, _("Unknown"))), "occupation")


def by_region(groups: dict[str, dict[Any, list[Any]]]) -> list[dict[str, Any]]:
    merged = _merge(groups["region"], lambda k: " / ".join(v for v in k if v) or "—")
    return _share_rows(_ranked(merged, lambda k: k)[:TOP_REGIONS], "region")


def _cohort_rows(filters: Filters) -> tuple[QuerySet[Any], Any]:
    """Rows per cohort x month (x country) and how to count their customers: the small
    CohortMonth rollup, or CustomerMonth (one row per customer) when a segment is chosen."""
    if filters.segment:
        return _customers(filters), lambda where=None: Count("pk", filter=where)
    qs = CohortMonth.objects.order_by()
    if filters.country:
        qs = qs.filter(country=filters.country)
    return qs, lambda where=None: Sum("customers", filter=where)


def new_and_returning(filters: Filters) -> list[dict[str, Any]]:
    """Per month: customers with an order, those whose first order was that month, the rest."""
    first = Q(cohort=F("month"))
    qs, customers = _cohort_rows(filters)
    rows = []
    for r in (
        qs.filter(month__gte=_month(filters.start), month__lte=_month(filters.end))
        .values("month")
        .annotate(
            buyers=customers(),
            new=customers(first),
            all_revenue=Sum("revenue"),
            new_revenue=Sum("revenue", filter=first),
        )
        .order_by("month")
    ):
        rows.append(
            {
                "month": r["month"].strftime("%Y-%m"),
                "customers": r["buyers"],
                "new": r["new"] or 0,
                "returning": r["buyers"] - (r["new"] or 0),
                "new_revenue": r["new_revenue"] or Decimal(0),
                "returning_revenue": (r["all_revenue"] or Decimal(0)) - (r["new_revenue"] or 0),
            }
        )
    return rows


def retention(filters: Filters) -> list[dict[str, Any]]:
    """Cohorts (first-order month) inside the period; per cohort its size and the share of it
    ordering again k months later (k = 1 … 12)."""
    counts: dict[datetime.date, dict[int, int]] = {}
    qs, customers = _cohort_rows(filters)
    for r in (
        qs.filter(cohort__gte=_month(filters.start), cohort__lte=_month(filters.end))
        .values("cohort", "month")
        .annotate(buyers=customers())
    ):
        offset = _months_between(r["cohort"], r["month"])
        if 0 <= offset <= RETENTION_MONTHS:
            counts.setdefault(r["cohort"], {})[offset] = r["buyers"]
    rows = []
    for cohort in sorted(counts):
        size = counts[cohort].get(0, 0)
        row: dict[str, Any] = {"cohort": cohort.strftime("%Y-%m"), "customers": size}
        for k in range(1, RETENTION_MONTHS + 1):
            row[f"m{k}"] = _ratio(counts[cohort].get(k, 0), size, 4) if size else None
        rows.append(row)
    return rows


def identity_analysis(filters: Filters) -> ReportData:
    share_cols = [
        ("customers", _("Customers")),
        ("share", _("Share of customers")),
        ("revenue", _("Revenue")),
    ]
    cohorts = retention(filters)
    groups = profile_groups(filters)
    return ReportData(
        code="identity",
        title=str(_("Identity analysis")),
        tables=[
            Table(
                str(_("By age band")), [("band", _("Age")), *share_cols], by_age(filters, groups)
            ),
            Table(str(_("By gender")), [("gender", _("Gender")), *share_cols], by_gender(groups)),
            Table(
                str(_("By occupation")),
                [("occupation", _("Occupation")), *share_cols],
                by_occupation(groups),
            ),
            Table(str(_("By region")), [("region", _("Region")), *share_cols], by_region(groups)),
            Table(
                str(_("New and returning customers")),
                [
                    ("month", _("Month")),
                    ("customers", _("Customers")),
                    ("new", _("New")),
                    ("returning", _("Returning")),
                    ("new_revenue", _("Revenue from new")),
                    ("returning_revenue", _("Revenue from returning")),
                ],
                new_and_returning(filters),
            ),
            Table(
                str(_("Cohort retention (share ordering again k months later)")),
                [
                    ("cohort", _("Cohort")),
                    ("customers", _("Customers")),
                    *((f"m{k}", f"+{k}") for k in range(1, RETENTION_MONTHS + 1)),
                ],
                cohorts,
            ),
        ],
        chart={
            "kind": "heatmap",
            "x": [f"+{k}" for k in range(1, RETENTION_MONTHS + 1)],
            "y": [c["cohort"] for c in cohorts],
            "series": [
                {
                    "name": str(_("Retention")),
                    "type": "heatmap",
                    "data": [
                        [k - 1, i, round(float(c[f"m{k}"]) * 100, 1)]
                        for i, c in enumerate(cohorts)
                        for k in range(1, RETENTION_MONTHS + 1)
                        if c[f"m{k}"] is not None
                    ],
                }
            ],
        },
    )
