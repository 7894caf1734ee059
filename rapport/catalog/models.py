"""The catalogue: a category tree, products and marketplace sellers."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.core.money import MoneyField
from rapport.core.paths import PathPattern


class Category(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(_("description"), blank=True)
    # Where the category came from ("online_retail" rules, "olist", "staff") and its key there.
    source = models.CharField(max_length=32, default="staff")
    external_key = models.CharField(max_length=120, blank=True)
    name_original = models.CharField(_("original name"), max_length=120, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_key"],
                condition=~models.Q(external_key=""),
                name="category_unique_external_key",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return category_url(self.slug)


# What a customer may see: on sale and priced (`queries.sellable_products`). The listing indexes
# below are partial on it, so they hold only what the storefront lists.
SELLABLE = models.Q(is_active=True, price__isnull=False, price__gt=0)


def is_sellable(is_active: bool, price: Decimal | None) -> bool:
    """`SELLABLE` for values already read: on sale and priced."""
    return bool(is_active and price is not None and price > 0)


class Seller(TimeStampedModel):
    """A marketplace seller (Olist); the shop itself sells everything else."""

    external_id = models.CharField(max_length=64, unique=True)
    zip_code_prefix = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=120, blank=True)
    state = models.CharField(max_length=8, blank=True)

    def __str__(self) -> str:
        return f"{self.city} ({self.state}) {self.external_id[:8]}"


class Product(PublicIdModel, TimeStampedModel):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    price = MoneyField(_("price"), null=True, blank=True)
    currency = models.CharField(max_length=3, default=settings.RAPPORT_CURRENCY)
    is_active = models.BooleanField(_("on sale"), default=True, db_index=True)
    # Physical data used by shipping and delivery-date estimates.
    weight_g = models.PositiveIntegerField(null=True, blank=True)
    length_cm = models.PositiveIntegerField(null=True, blank=True)
    height_cm = models.PositiveIntegerField(null=True, blank=True)
    width_cm = models.PositiveIntegerField(null=True, blank=True)
    photos_count = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=32, default="staff")
    price_updated_at = models.DateTimeField(null=True, blank=True)
    # Staff upload one picture per product (validated in the portal); a placeholder until then.
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/", blank=True)
    # Units sold through the shop, bumped with F() by `place_order`: the "popularity" sort key
    # without a COUNT over order lines on every listing.
    popularity = models.PositiveIntegerField(default=0, db_index=True)
    # Sold through its configurator (`rapport.configurator` keeps this in step with its own
    # rows): the product page and "add to cart" read it with the product, no extra query.
    built_to_order = models.BooleanField(default=False)
    # Published reviews' count and average stars, copied here by `feedback.services.
    # refresh_summary` (which also moves `updated_at`, so cached cards and pages follow): the
    # product cards of every listing show them with no extra query.
    rating_count = models.PositiveIntegerField(default=0)
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    # Retired (M13): off sale and off every listing, but its page still answers with an
    # "archived" notice, or a 301 to its successor (`services.retire_product`).
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("successor"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        # Listing indexes, one pair per sort ("-price" and "newest" walk them backwards): the
        # category-first index serves one category, pages deep included, from the index alone;
        # the sort-first one walks a department (several categories) in order instead of
        # sorting its 30,000 products. On PostgreSQL, migration 0004 also adds the stored
        # `search_vector` column with its GIN index (`catalog.search`).
        indexes = [
            # Offline sync pulls changes in (updated_at, id) order (`rapport.sync`).
            models.Index(fields=["updated_at", "id"], name="product_sync"),
            models.Index(fields=["category", "is_active", "price"], name="product_cat_price"),
            models.Index(
                fields=["category", "name", "id"], condition=SELLABLE, name="product_list_cat_name"
            ),
            models.Index(
                fields=["category", "price", "id"],
                condition=SELLABLE,
                name="product_list_cat_price",
            ),
            models.Index(
                fields=["category", "created_at", "id"],
                condition=SELLABLE,
                name="product_list_cat_new",
            ),
            models.Index(
                fields=["name", "id", "category"], condition=SELLABLE, name="product_list_name"
            ),
            models.Index(
                fields=["price", "id", "category"], condition=SELLABLE, name="product_list_price"
            ),
            models.Index(
                fields=["created_at", "id", "category"], condition=SELLABLE, name="product_list_new"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def initials(self) -> str:
        """Up to two letters for the generated placeholder image."""
        words = [w for w in self.name.split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper() or "?"

    @property
    def is_sellable(self) -> bool:
        """`SELLABLE`, for a product already loaded (a test keeps the two in step)."""
        return is_sellable(self.is_active, self.price)

    def get_absolute_url(self) -> str:
        return product_url(self.public_id, self.slug)


class ProductVersion(models.Model):
    """What a product said and cost before a change: written by `services.update_product` (the
    one save path for staff edits), never edited. Orders keep their own copy of name and price
    on each line; these versions are the catalogue's own history."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    price = MoneyField(null=True, blank=True)
    is_active = models.BooleanField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "-number"]
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="product_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} v{self.number}"


# Listings, carts and product pages link to dozens of products and categories: their paths are
# reversed once per process and filled in (`rapport.core.paths`).
_PRODUCT_PATH = PathPattern(
    "storefront:product", public_id=UUID(int=0), slug="rapport-any-product-slug"
)
_CATEGORY_PATH = PathPattern("storefront:category", slug="rapport-any-category-slug")


def product_url(public_id: UUID | str, slug: str) -> str:
    """A product page's path, as `reverse("storefront:product", ...)` gives it."""
    return _PRODUCT_PATH(public_id=public_id, slug=slug)


def category_url(slug: str) -> str:
    """A category listing's path, as `reverse("storefront:category", ...)` gives it."""
    return _CATEGORY_PATH(slug=slug)
