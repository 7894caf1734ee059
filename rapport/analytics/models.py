"""Rollup tables the reports read (one row per day and dimension), who may see which report,
and how far the incremental refresh has got. See docs/analytics.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.money import MoneyField


class SalesDay(models.Model):
    """Sale orders placed on `day` (UTC), per country, channel and payment mode; credit notes
    counted on their own day. Money is in the store currency."""

    day = models.DateField()
    country = models.CharField(max_length=80, blank=True)
    channel = models.CharField(max_length=32)
    payment_method = models.CharField(max_length=20, blank=True)
    orders = models.PositiveIntegerField(default=0)
    items = models.BigIntegerField(default=0)
    revenue = MoneyField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    refunded = MoneyField(default=0)
    credit_notes = models.PositiveIntegerField(default=0)
    credited = MoneyField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "country", "channel", "payment_method"], name="sales_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.country} {self.channel}"


class ProductDay(models.Model):
    """Units and revenue of one product's sale lines on `day`, per country and channel."""

    day = models.DateField()
    country = models.CharField(max_length=80, blank=True)
    channel = models.CharField(max_length=32)
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    units = models.BigIntegerField(default=0)
    revenue = MoneyField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "country", "channel", "product"], name="product_day_unique"
            )
        ]
        indexes = [models.Index(fields=["day", "category"])]

    def __str__(self) -> str:
        return f"{self.day} {self.product_id}"


class ProductMonth(models.Model):
    """ProductDay summed per calendar month (`month` is its first day): reports over long periods
    read whole months here and only the days at the edges from ProductDay."""

    month = models.DateField()
    country = models.CharField(max_length=80, blank=True)
    channel = models.CharField(max_length=32)
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    units = models.BigIntegerField(default=0)
    revenue = MoneyField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month", "category"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product_id}"


class CategoryDay(models.Model):
    """Units and revenue of the sale lines of one category on `day`, per country and channel
    (ProductDay summed over products: the trends report's categories, countries and chart)."""

    day = models.DateField()
    country = models.CharField(max_length=80, blank=True)
    channel = models.CharField(max_length=32)
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    units = models.BigIntegerField(default=0)
    revenue = MoneyField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "category"])]

    def __str__(self) -> str:
        return f"{self.day} {self.category_id}"


class OrderHourDay(models.Model):
    """Sale orders (not cancelled) placed on `day` (UTC, for the period filter) per country and
    channel, by weekday (1 = Monday) and hour in the store's time zone (`TIME_ZONE`): the
    weekday x hour heat map of purchase tendencies."""

    day = models.DateField()
    country = models.CharField(max_length=80, blank=True)
    channel = models.CharField(max_length=32)
    weekday = models.PositiveSmallIntegerField()
    hour = models.PositiveSmallIntegerField()
    orders = models.PositiveIntegerField(default=0)
    revenue = MoneyField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.hour}h"


class BasketSizeDay(models.Model):
    """How many sale orders (not cancelled) of `day` had `lines` product lines (capped at
    `BASKET_CAP`), per country and channel: the basket size distribution."""

    BASKET_CAP = 100

    day = models.DateField()
    country = models.CharField(max_length=80, blank=True)
    channel = models.CharField(max_length=32)
    lines = models.PositiveSmallIntegerField()
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.lines} lines"


class CustomerMonth(models.Model):
    """One customer's sale orders (not cancelled) in one calendar month (UTC), with the month of
    their first order (`cohort`), the customer's previous month with an order (`prev_month`: a
    customer is counted once in a span of months on the row whose `prev_month` is before the
    span) and copies of the profile attributes identity analysis groups by, so the report reads
    this table alone."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # first day of the month
    cohort = models.DateField()  # first day of the month of the customer's first order
    prev_month = models.DateField(null=True, blank=True)
    orders = models.PositiveIntegerField(default=0)
    revenue = MoneyField(default=0)
    # Copied from the customer (refreshed when the customer changes).
    country = models.CharField(max_length=80, blank=True, default="")
    region = models.CharField(max_length=80, blank=True, default="")
    gender = models.CharField(max_length=16, blank=True, default="")
    birthday = models.DateField(null=True, blank=True)
    occupation = models.ForeignKey(
        "customers.Occupation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="customer_month_unique")
        ]
        indexes = [models.Index(fields=["month", "cohort"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"


class CohortMonth(models.Model):
    """CustomerMonth summed per first-order month (`cohort`), month and customer country: new
    vs returning customers and cohort retention without reading a row per customer."""

    cohort = models.DateField()
    month = models.DateField()
    country = models.CharField(max_length=80, blank=True)
    customers = models.PositiveIntegerField(default=0)
    revenue = MoneyField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "month", "country"], name="cohort_month_unique"
            )
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.cohort:%Y-%m} {self.month:%Y-%m} {self.country}"


class ProfileMonth(models.Model):
    """CustomerMonth summed per month, previous month and profile (country, region, gender,
    birthday, occupation): the identity report's bands read these rows instead of one row per
    customer — a customer counts once in a span of months, on the row whose `prev_month` is
    before the span (or empty). As many rows as distinct profiles buy in a month, at most one
    per customer-month."""

    month = models.DateField()
    prev_month = models.DateField(null=True, blank=True)
    country = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=80, blank=True)
    gender = models.CharField(max_length=16, blank=True)
    birthday = models.DateField(null=True, blank=True)
    occupation = models.ForeignKey(
        "customers.Occupation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    customers = models.PositiveIntegerField(default=0)
    revenue = MoneyField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.country} {self.customers}"


class RollupState(models.Model):
    """One row (pk=1): orders changed up to `refreshed_until` are in the rollups."""

    refreshed_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Rollups until {self.refreshed_until}"


class ReportGrant(models.Model):
    """A manager lets one employee see one report."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_grants"
    )
    report = models.CharField(_("report"), max_length=40)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "report"], name="report_grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.report}"
