"""Configurable products: option groups, options, constraints and presets on a catalogue product.

Nothing is stored per combination: a product with 20 groups of 10 options has 200 option rows,
not 10^20 variants. The solver (`configurator.solver`) reads these rows and answers questions
about the combinations they allow.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel
from rapport.core.money import MoneyField


class Freedom(models.TextChoices):
    NONE = "none", _("None: fixed configurations only (regulated goods)")
    PRESETS = "presets", _("Presets only")
    FULL = "full", _("Full: any valid configuration")


class ConfigurableProduct(TimeStampedModel):
    """The configurator settings of one catalogue product."""

    product = models.OneToOneField(
        "catalog.Product", on_delete=models.CASCADE, related_name="configurator"
    )
    freedom = models.CharField(
        _("degree of freedom"), max_length=10, choices=Freedom.choices, default=Freedom.FULL
    )
    # Days added to the delivery promise when this product is built to order.
    lead_days = models.PositiveSmallIntegerField(_("build-to-order days"), default=0)
    # Bumped on every change by staff: a cart line configured under an older version is checked
    # again at place_order (it always is; the version just names the rules it was priced under).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("configurable product")

    def __str__(self) -> str:
        return f"Configurator of {self.product_id}"


class GroupKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    NUMERIC = "numeric", _("Number (range and step)")
    TEXT = "text", _("Free text")


class OptionGroup(models.Model):
    configurable = models.ForeignKey(
        ConfigurableProduct, on_delete=models.CASCADE, related_name="groups"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=GroupKind.choices)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Numeric groups: whole numbers from min_value to max_value in steps of step.
    min_value = models.IntegerField(_("minimum"), null=True, blank=True)
    max_value = models.IntegerField(_("maximum"), null=True, blank=True)
    step = models.PositiveIntegerField(_("step"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    # Numeric groups: price per unit above the minimum (e.g. per GB of memory).
    price_per_unit = MoneyField(_("price per unit"), default=Decimal("0.00"))
    # Numeric groups: contribution per unit to computed totals, e.g. {"weight": 5}.
    totals_per_unit = models.JSONField(default=dict, blank=True)
    # Free-text groups: the longest answer accepted.
    max_length = models.PositiveSmallIntegerField(default=200)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("option group")
        constraints = [
            models.UniqueConstraint(fields=["configurable", "code"], name="option_group_code")
        ]

    def __str__(self) -> str:
        return self.name

    def values(self) -> list[int]:
        """The values a numeric group allows (empty for other kinds)."""
        if self.kind != GroupKind.NUMERIC or self.min_value is None or self.max_value is None:
            return []
        return list(range(self.min_value, self.max_value + 1, self.step or 1))


class Option(models.Model):
    group = models.ForeignKey(OptionGroup, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    price_delta = MoneyField(_("price difference"), default=Decimal("0.00"))
    # Extra days to build when chosen (the longest of the chosen options counts).
    lead_days = models.PositiveSmallIntegerField(_("extra days"), default=0)
    # A stock-tracked part taken from stock when an order with this option is placed.
    component = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    component_quantity = models.PositiveSmallIntegerField(default=1)
    # Contributions to computed totals, e.g. {"power": 65, "weight": 1200} (whole numbers).
    totals = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("option")
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="option_code")]

    def __str__(self) -> str:
        return self.name


class RuleKind(models.TextChoices):
    REQUIRES = "requires", _("Requires: when chosen, one of the others must be")
    EXCLUDES = "excludes", _("Excludes: never together")
    AT_MOST = "at_most", _("At most k of a set")
    AT_LEAST = "at_least", _("At least k of a set")
    RANGE = "range", _("Number within a range (when chosen)")
    TOTAL = "total", _("Computed total within a limit")


class Rule(models.Model):
    """One constraint between options. Which fields count depends on `kind`:

    requires  when all `when` options are chosen, at least one `then` option is
    excludes  no `when` option together with a `then` option
    at_most   at most `k` of the `then` options and the `group`'s options (when `when` holds)
    at_least  at least `k` of them (when `when` holds)
    range     the numeric `group` lies in [low, high] (when `when` holds)
    total     the sum of the chosen options' `attribute` totals is at most `limit`
    """

    configurable = models.ForeignKey(
        ConfigurableProduct, on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RuleKind.choices)
    when = models.ManyToManyField(Option, blank=True, related_name="+")
    then = models.ManyToManyField(Option, blank=True, related_name="+")
    group = models.ForeignKey(
        OptionGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    k = models.PositiveSmallIntegerField(null=True, blank=True)
    low = models.IntegerField(null=True, blank=True)
    high = models.IntegerField(null=True, blank=True)
    attribute = models.CharField(_("total"), max_length=40, blank=True)
    limit = models.IntegerField(_("limit"), null=True, blank=True)
    # What a customer reads when this rule disables an option; generated when blank.
    message = models.CharField(_("message"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("constraint")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Preset(models.Model):
    configurable = models.ForeignKey(
        ConfigurableProduct, on_delete=models.CASCADE, related_name="presets"
    )
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    # A complete choice in the form `configurator.choices` reads: {group code: value}.
    choice = models.JSONField(default=dict)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("preset")

    def __str__(self) -> str:
        return self.name


class CustomRequest(TimeStampedModel):
    """A customer's free-text "anything else?" about a product."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="custom_requests"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("request"))
    # The configuration the customer had on screen, if any ({group code: value}).
    choice = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("custom request")

    def __str__(self) -> str:
        return self.text[:60]
