"""Content (M13): news, product stories and plain pages in Wagtail's page tree.

Every page type shares `ArticlePage`: an introduction, sanitised rich text, a picture (served as
renditions), products it features, and the archive fields. An archived page is off every menu and
listing but still answers at its URL with an "archived" notice, or with a 301 to its successor.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, MultipleChooserPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PageManager
from wagtail.search import index

from rapport.catalog.cache import version as catalogue_version
from rapport.content.sanitise import clean_rich_text
from rapport.core import conditional
from rapport.segments.models import NewsTopic

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr", "image"]


class ArticlePage(Page):
    """The fields every content page has (not created on its own)."""

    intro = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("body"), blank=True, features=RICH_TEXT_FEATURES)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("picture"),
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, db_index=True)
    successor = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("successor"),
        help_text=_("An archived page with a successor sends its visitors there (301)."),
    )

    is_creatable = False
    objects: PageManager = PageManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
        MultipleChooserPanel(
            "featured_products", chooser_field_name="product", label=_("Featured products")
        ),
    ]
    settings_panels = [*Page.settings_panels, FieldPanel("successor")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("archived_at"),
    ]

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        # Whatever reaches the database (admin form, import, shell) is cleaned the same way.
        self.body = clean_rich_text(self.body)
        super().full_clean(*args, **kwargs)

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.is_archived and self.successor_id:
            successor = self.successor.specific if self.successor else None
            if successor is not None and successor.live:
                return HttpResponsePermanentRedirect(successor.url)
        tag = self.etag(request)
        if tag is not None:
            not_modified = get_conditional_response(request, etag=tag)
            if not_modified is not None:
                not_modified.headers["ETag"] = tag
                return not_modified
        response = super().serve(request, *args, **kwargs)
        if tag is not None and response.status_code == 200:
            response.headers.setdefault("ETag", tag)
        return response

    def etag(self, request: HttpRequest) -> str | None:
        """The page's validator for a first-time visitor (`rapport.core.conditional`): its
        published revision and archive state, the children it lists (how many, and their last
        publication: a child published, unpublished, archived, restored or deleted changes it)
        and the catalogue version (the products it features)."""
        if not conditional.shared(request):
            return None
        children = (
            ArticlePage.objects.child_of(self)
            .live()
            .filter(archived_at__isnull=True)
            .aggregate(n=models.Count("pk"), latest=models.Max("last_published_at"))
        )
        return conditional.etag(
            request,
            "content",
            self.pk,
            self.live_revision_id,
            self.last_published_at,
            self.archived_at,
            self.successor_id,
            children["n"],
            children["latest"],
            catalogue_version(),
        )

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["featured"] = [
            item.product
            for item in self.featured_products.select_related("product").order_by("sort_order")
            if item.product.is_active
        ]
        context["children"] = listed_children(self)
        return context


def listed_children(page: Page) -> list[Page]:
    """A page's live, non-archived children (the menus and listings), newest first."""
    children = ArticlePage.objects.child_of(page).live().filter(archived_at__isnull=True)
    return list(children.order_by("-first_published_at").specific()[:50])


class FeaturedProduct(Orderable):
    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="featured_products")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )

    panels = [FieldPanel("product")]

    class Meta(Orderable.Meta):
        verbose_name = _("featured product")
        verbose_name_plural = _("featured products")

    def __str__(self) -> str:
        return f"{self.page_id}: {self.product_id}"


class ContentPage(ArticlePage):
    """A plain page (about us, delivery terms) or a section that lists its children."""

    is_creatable = True
    template = "content/content_page.html"

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")


class NewsPage(ArticlePage):
    """A news item; its topic is one of the topics customers follow on their home page."""

    topic = models.CharField(_("topic"), max_length=16, choices=NewsTopic.choices)

    is_creatable = True
    template = "content/news_page.html"
    parent_page_types = ["content.ContentPage"]
    subpage_types: list[str] = []
    content_panels = [
        *ArticlePage.content_panels[:1],
        FieldPanel("topic"),
        *ArticlePage.content_panels[1:],
    ]
    search_fields = [*ArticlePage.search_fields, index.FilterField("topic")]

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")


class StoryPage(ArticlePage):
    """A product story: how a product is made or used, featuring it."""

    is_creatable = True
    template = "content/story_page.html"
    parent_page_types = ["content.ContentPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("product story")
        verbose_name_plural = _("product stories")


class CheckRun(models.Model):
    """One run of the site checker (on demand from the portal, or nightly)."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    base_url = models.CharField(max_length=300)
    trigger = models.CharField(max_length=16, default="nightly")
    pages = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    external_links = models.PositiveIntegerField(default=0)
    new_faults = models.PositiveIntegerField(default=0)
    # URLs the store answered 304 (unchanged since the last run: facts reused, nothing parsed).
    reused = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("site check")
        verbose_name_plural = _("site checks")

    def __str__(self) -> str:
        return f"check {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class CheckedPage(models.Model):
    """What the site checker last saw at one URL of a site (status, validators, title,
    description, links, images: the crawler's `PageFacts`), so the next run asks with
    `If-None-Match` and reuses them on a 304. Each run replaces its site's rows."""

    base_url = models.CharField(max_length=300, db_index=True)
    url = models.CharField(max_length=2000)
    facts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.url


class CheckFault(models.Model):
    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="faults")
    kind = models.CharField(max_length=32, db_index=True)
    url = models.CharField(max_length=2000)
    found_on = models.CharField(max_length=2000, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    is_new = models.BooleanField(default=False)

    class Meta:
        ordering = ["kind", "url", "found_on"]
        verbose_name = _("site fault")
        verbose_name_plural = _("site faults")

    def __str__(self) -> str:
        return f"{self.kind}: {self.url}"
