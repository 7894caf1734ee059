"""First-party site traffic: visits (sessions) and their page views, written off the request path
(see `log.py`), plus the real clickstream loaded as demo traffic. No cookie, IP address or user
agent is stored: a visit is known by a hash of (a salt that changes every day, IP, user agent),
so it cannot be followed across days or traced back to a person. See docs/traffic.md."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrafficSource(models.TextChoices):
    SITE = "site", _("This site")
    CLICKSTREAM = "clickstream", _("Demo clickstream (e-shop clothing 2008)")


class Device(models.TextChoices):
    DESKTOP = "desktop", _("Desktop")
    MOBILE = "mobile", _("Mobile")
    TABLET = "tablet", _("Tablet")
    UNKNOWN = "unknown", _("Unknown")


class PageKind(models.TextChoices):
    HOME = "home", _("Home")
    LISTING = "listing", _("Category or search")
    PRODUCT = "product", _("Product")
    CART = "cart", _("Cart")
    CHECKOUT = "checkout", _("Checkout")
    ACCOUNT = "account", _("Account")
    HELP = "help", _("Help")
    OTHER = "other", _("Other")


class Visit(models.Model):
    """One visit: page views of the same visitor hash with no gap of more than 30 minutes."""

    key = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=TrafficSource.choices)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    entry_path = models.CharField(max_length=200)
    referrer = models.CharField(max_length=120, blank=True)  # host only
    device = models.CharField(max_length=10, choices=Device.choices, default=Device.UNKNOWN)
    country = models.CharField(max_length=80, blank=True)
    pages = models.PositiveIntegerField(default=0)
    # Page views by kind and seconds spent on them (the purchase-intent features).
    account_pages = models.PositiveIntegerField(default=0)
    account_seconds = models.FloatField(default=0)
    help_pages = models.PositiveIntegerField(default=0)
    help_seconds = models.FloatField(default=0)
    product_pages = models.PositiveIntegerField(default=0)
    product_seconds = models.FloatField(default=0)
    # The funnel.
    product_views = models.PositiveIntegerField(default=0)
    cart_adds = models.PositiveIntegerField(default=0)
    checkouts = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    returning = models.BooleanField(default=False)
    intent = models.FloatField(null=True, blank=True)
    last_kind = models.CharField(max_length=10, choices=PageKind.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["key", "-last_seen_at"]),
            models.Index(fields=["started_at"]),
            # The live visits of the traffic view (this site's, seen in the last 30 minutes).
            models.Index(fields=["source", "last_seen_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source} visit {self.pk}"


class PageView(models.Model):
    """One logged page (or event: add to cart, order placed) of a visit."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="views")
    at = models.DateTimeField()
    path = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=PageKind.choices)
    event = models.CharField(max_length=12, default="view")  # view, add_to_cart, order

    class Meta:
        indexes = [models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.at} {self.path}"


class VisitDay(models.Model):
    """Visits started on `day` (UTC) from one source: page views, bounces (visits of one page)
    and the visits reaching each funnel step. Rebuilt for the days a flush touched."""

    day = models.DateField()
    source = models.CharField(max_length=16, choices=TrafficSource.choices)
    visits = models.PositiveIntegerField(default=0)
    page_views = models.BigIntegerField(default=0)
    bounces = models.PositiveIntegerField(default=0)
    viewed = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    checkout = models.PositiveIntegerField(default=0)
    ordered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "source"], name="visit_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.source}"


class VisitTopDay(models.Model):
    """Visits started on `day` from one source per entry page, referrer host or device."""

    class Dimension(models.TextChoices):
        ENTRY = "entry", _("Entry page")
        REFERRER = "referrer", _("Referrer")
        DEVICE = "device", _("Device")

    day = models.DateField()
    source = models.CharField(max_length=16, choices=TrafficSource.choices)
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    value = models.CharField(max_length=200, blank=True)
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "source", "dimension", "value"], name="visit_top_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension} {self.value}"
