"""Segments (M3): groups of customers defined by rules or by hand, RFM scores, the home-page
blocks each segment sees, and a customer's own personalisation (theme, hidden blocks, topics).

Membership of rule segments is materialised in `SegmentMembership` (refreshed by a task and on
every edit) so the storefront never evaluates rules on a page view.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.core.money import MoneyField


class RfmGroup(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALISTS = "potential_loyalists", _("Potential loyalists")
    NEW = "new", _("New customers")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need attention")
    ABOUT_TO_SLEEP = "about_to_sleep", _("About to sleep")
    AT_RISK = "at_risk", _("At risk")
    CANT_LOSE = "cant_lose", _("Can't lose them")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")


class RfmScore(models.Model):
    """One row per active customer with at least one order; rewritten by `compute_rfm`."""

    customer = models.OneToOneField(
        "customers.Customer", primary_key=True, on_delete=models.CASCADE, related_name="rfm"
    )
    last_order_at = models.DateTimeField()
    frequency = models.PositiveIntegerField()
    # Net of credit notes: what the customer really spent.
    monetary = MoneyField()
    recency = models.PositiveSmallIntegerField()
    frequency_score = models.PositiveSmallIntegerField()
    monetary_score = models.PositiveSmallIntegerField()
    group = models.CharField(max_length=24, choices=RfmGroup.choices, db_index=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("RFM score")
        verbose_name_plural = _("RFM scores")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recency__gte=1, recency__lte=5)
                & models.Q(frequency_score__gte=1, frequency_score__lte=5)
                & models.Q(monetary_score__gte=1, monetary_score__lte=5),
                name="rfm_scores_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recency}{self.frequency_score}{self.monetary_score} {self.group}"

    @property
    def code(self) -> str:
        return f"{self.recency}{self.frequency_score}{self.monetary_score}"


class SegmentKind(models.TextChoices):
    RULE = "rule", _("Rule")
    STATIC = "static", _("Hand-picked")


class Segment(PublicIdModel, TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=SegmentKind.choices, default=SegmentKind.RULE
    )
    # The validated rule tree (see rapport.segments.rules); empty for hand-picked segments.
    rule = models.JSONField(default=dict, blank=True)
    # Lower number wins when a customer is in several segments with home-page blocks.
    priority = models.PositiveIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    member_count = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class SegmentMembership(models.Model):
    """A customer in a segment: picked by hand (static) or materialised from the rule."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="segment_memberships"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "customer"], name="segment_member_once")
        ]
        indexes = [models.Index(fields=["customer", "segment"])]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.segment_id}"


class BlockKind(models.TextChoices):
    HERO = "hero", _("Hero banner")
    CATEGORIES = "categories", _("Featured categories")
    CAROUSEL = "carousel", _("Product carousel")
    NEWS = "news", _("News")
    COMMUNITY = "community", _("Community")


class CarouselMode(models.TextChoices):
    NEWEST = "newest", _("Newest in category")
    BEST_SELLERS = "best_sellers", _("Best sellers in category")


class NewsTopic(models.TextChoices):
    OFFERS = "offers", _("Offers")
    NEW_ARRIVALS = "new_arrivals", _("New arrivals")
    EVENTS = "events", _("Events")
    TIPS = "tips", _("Tips and ideas")


# Blocks a customer may hide on their own home page.
HIDEABLE_BLOCKS = (BlockKind.NEWS, BlockKind.COMMUNITY)


class HomeBlock(TimeStampedModel):
    """One block of a segment's home page, composed by managers."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="blocks")
    kind = models.CharField(_("kind"), max_length=16, choices=BlockKind.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=160, blank=True)
    text = models.TextField(_("text"), blank=True)
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="+")
    carousel_mode = models.CharField(
        max_length=16, choices=CarouselMode.choices, default=CarouselMode.BEST_SELLERS
    )
    topic = models.CharField(_("topic"), max_length=16, choices=NewsTopic.choices, blank=True)
    limit = models.PositiveSmallIntegerField(default=8)

    class Meta:
        ordering = ["segment__priority", "segment_id", "position", "id"]
        verbose_name = _("home-page block")
        verbose_name_plural = _("home-page blocks")

    def __str__(self) -> str:
        return f"{self.segment}: {self.get_kind_display()} {self.title}"


class Theme(models.TextChoices):
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")
    CONTRAST = "contrast", _("High contrast")


class Personalisation(TimeStampedModel):
    """A signed-in customer's own choices for the storefront."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="personalisation"
    )
    theme = models.CharField(_("theme"), max_length=10, choices=Theme.choices, default=Theme.LIGHT)
    hidden_blocks = models.JSONField(default=list, blank=True)
    news_topics = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("personalisation")
        verbose_name_plural = _("personalisations")

    def __str__(self) -> str:
        return f"{self.customer}: {self.theme}"
