"""Browsing the catalogue: home, category listing (filters, sorting), product."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_GET

from rapport.catalog import queries
from rapport.catalog.cache import version as catalogue_version
from rapport.catalog.models import Category, Product
from rapport.catalog.queries import sellable_products
from rapport.core import conditional
from rapport.core.money import format_money
from rapport.core.paths import PathPattern
from rapport.pricing.queries import prices_for, product_price_for
from rapport.storefront.views import pagecache
from rapport.storefront.views.personal import personal_home

PAGE_SIZE = 24
_DELIVERY_PATH = PathPattern("storefront:delivery_estimate", public_id=UUID(int=0))
SORT_CHOICES = ("name", "price", "-price", "newest", "popular")


def _price(raw: str | None) -> Decimal | None:
    try:
        value = Decimal((raw or "").strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and value >= 0 else None


class ListingPaginator(Paginator):
    """Pages of a category listing: the count comes from the cached per-category counts when
    there is one (`queries.listing_count`), and each page is read with `queries.page_of`."""

    def __init__(
        self, products: QuerySet[Product], per_page: int, *, known_count: int | None
    ) -> None:
        super().__init__(products, per_page)
        self.products = products
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        return super().count if self.known_count is None else self.known_count

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return Page(queries.page_of(self.products, bottom, top), number, self)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return pagecache.render_page(
        request,
        "storefront/home.html",
        {
            # Lazy: evaluated only when the cached fragment in home.html is stale.
            "categories": SimpleLazyObject(queries.category_tree),
            "featured": SimpleLazyObject(lambda: queries.featured_products(limit=12)),
            "catalogue_version": catalogue_version(),
            # The blocks of the signed-in customer's segments (None for everyone else).
            "personal": personal_home(request),
        },
    )


# Conditional GET (ETag, 304) for pages a first-time visitor shares: `rapport.core.conditional`.
# A conditional request's tag is computed before the view, without rendering (one small query);
# any other response gets its tag from the rows the view read anyway, so the pages' query
# counts do not grow. None: no validator.
_PLAIN_SORTS = ("name", "price", "-price", "newest")  # "popular" follows sales: no validator


def _conditional(request: HttpRequest) -> bool:
    return "HTTP_IF_NONE_MATCH" in request.META and conditional.shared(request)


def _category_tag(request: HttpRequest, slug: str, updated_at: Any) -> str | None:
    """A plain listing page (no price or stock filter, a sort that follows product rows): the
    catalogue version (every product, stock or category edit, retirement and new review moves
    it), the category row, the sort and page."""
    if set(request.GET) - {"sort", "page"}:
        return None
    if request.GET.get("sort", "name") not in _PLAIN_SORTS:
        return None
    query = request.GET.urlencode()
    return conditional.etag(request, "category", slug, updated_at, catalogue_version(), query)


def _category_etag(request: HttpRequest, slug: str) -> str | None:
    if not _conditional(request):
        return None
    updated_at = Category.objects.filter(slug=slug).values_list("updated_at", flat=True).first()
    if updated_at is None:  # no such category: the 404 gets no validator
        return None
    return _category_tag(request, slug, updated_at)


def _product_tag(
    request: HttpRequest, public_id: UUID, state: queries.ProductValidatorState
) -> str | None:
    """A product on sale: what its page is drawn from (slug, `updated_at` — moved by every edit
    the page shows, reviews included — units in stock, the configurator flag, its category and
    parent rows). Not the catalogue version: another product's edit leaves this page alone."""
    return conditional.etag(request, "product", public_id, tuple(state))


def _product_etag(request: HttpRequest, public_id: UUID, slug: str | None = None) -> str | None:
    """Retired products, redirects and 404s get no validator."""
    if not _conditional(request):
        return None
    state = queries.product_validator_state(public_id)
    if state is None or state.page[0] != slug:
        return None
    request._rapport_product_state = state  # type: ignore[attr-defined]  # the view reuses it
    return _product_tag(request, public_id, state)


def _page_number(number: str | None) -> int:
    """The page a listing address asks for, as its title and canonical link name it: 1 for
    anything the paginator takes for no number (it shows page 1), a number too long for `int`
    included."""
    try:
        return int(number) if number and number.isdigit() else 1
    except ValueError:  # more digits than Python converts
        return 1


@require_GET
@condition(etag_func=_category_etag)
def category(request: HttpRequest, slug: str) -> HttpResponse:
    cat = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    sort = request.GET.get("sort", "name")
    sort = sort if sort in SORT_CHOICES else "name"
    filters = {
        "min_price": _price(request.GET.get("min")),
        "max_price": _price(request.GET.get("max")),
        "in_stock": request.GET.get("in_stock") == "1",
    }
    number = request.GET.get("page")
    # Lazy: the count and page queries run only when the cached listing fragment is stale.
    page = SimpleLazyObject(
        lambda: ListingPaginator(
            queries.filtered_products(category=cat, sort=sort, **filters),  # type: ignore[arg-type]
            PAGE_SIZE,
            known_count=queries.listing_count(cat, **filters),  # type: ignore[arg-type]
        ).get_page(number)
    )
    keep = request.GET.copy()
    keep.pop("page", None)
    response = pagecache.render_page(
        request,
        "storefront/category.html",
        {
            "category": cat,
            "subcategories": cat.children.order_by("position", "name"),
            "listing_key": keep.urlencode() + "&page=" + str(number or 1),
            "page": page,
            # For the title: the page asked for, without evaluating `page` (a cached listing
            # runs no product query).
            "page_number": _page_number(number),
            "sort": sort,
            "filters": filters,
            "query_string": keep.urlencode(),
            "catalogue_version": catalogue_version(),
        },
    )
    if conditional.shared(request) and (tag := _category_tag(request, slug, cat.updated_at)):
        response.headers.setdefault("ETag", tag)
    return response


@require_GET
@condition(etag_func=_product_etag)
def product(request: HttpRequest, public_id: UUID, slug: str | None = None) -> HttpResponse:
    key = ("product", public_id, catalogue_version())
    copy = pagecache.shared_copy(request, key)
    if copy is not None:
        # A first-time visitor and a cached copy: serve it if the product still reads the same
        # (one small query instead of the page's query and its rendering).
        state, html = copy
        live = getattr(request, "_rapport_product_state", None)
        if live is None and conditional.may_tag(request):
            live = queries.product_validator_state(public_id)
        # The page-cache key holds the catalogue version (category edits, the configurator
        # flag), so slug, `updated_at` and stock are all a copy needs to be checked against:
        # a first visit (no CSRF cookie, so no validator) reads just those, in one small query.
        now = live.page if live is not None else queries.product_page_state(public_id)
        if slug == state[0] and now == state:
            response = pagecache.serve(request, html)
            if live is not None and (tag := _product_tag(request, public_id, live)):
                response.headers["ETag"] = tag
            return response
    # Category, its parent and stock come in the same query: the page costs one query.
    page = queries.product_page(public_id)
    if page is None:
        return _retired_product(request, public_id)
    item, in_stock = page
    if slug != item.slug:
        return redirect(item.get_absolute_url(), permanent=True)
    # render_shared sets the CSRF cookie: the buy form and htmx posts need it, even when this
    # item is sold out.
    category = item.category
    context = {
        "product": item,
        **_customer_price(request, item),
        "in_stock": in_stock,
        "category": category,
        "category_url": category.get_absolute_url() if category else "",
        "parent": category.parent if category else None,
        "delivery_url": _DELIVERY_PATH(public_id=item.public_id),
    }
    response = pagecache.render_shared(
        request,
        "storefront/product.html",
        context,
        key,
        state=(item.slug, item.updated_at, in_stock),
    )
    if conditional.shared(request):
        parent = category.parent if category else None
        live = queries.ProductValidatorState(
            (item.slug, item.updated_at, in_stock),
            item.built_to_order,
            category.updated_at if category else None,
            parent.updated_at if parent else None,
        )
        if tag := _product_tag(request, public_id, live):
            response.headers.setdefault("ETag", tag)
    return response


def _customer_price(request: HttpRequest, item: Product) -> dict[str, Any]:
    """A signed-in customer's own price and quantity breaks (one query); nothing for anyone
    else, whose page stays one query and may come from the shared copy."""
    if not request.user.is_authenticated or not item.price:
        return {}
    price, breaks = product_price_for(request.user.pk, item)
    return {"your_price": price, "tier_breaks": breaks}


# The most cards one listing page shows (search and category pages show 24, home 12 + blocks).
MAX_PRICED_CARDS = 60


@login_required
@require_GET
def my_prices(request: HttpRequest) -> HttpResponse:
    """A signed-in customer's own prices for the product cards of a page, for the cards'
    script (static/js/prices.js): listings stay one shared cached copy for everyone, and a
    customer with a price list sees the same number on the card as on the product page and in
    the cart (`pricing.queries.prices_for`). Only reduced prices are returned."""
    raw = [part for part in request.GET.get("ids", "").split(",") if part]
    if len(raw) > MAX_PRICED_CARDS:
        return JsonResponse(
            {"error": _("Ask for at most %(n)d products at a time.") % {"n": MAX_PRICED_CARDS}},
            status=400,
        )
    try:
        ids = [UUID(part) for part in raw]
    except ValueError:
        return JsonResponse({"error": _("A product id is not valid.")}, status=400)
    products = list(
        sellable_products()
        .filter(public_id__in=ids, price__isnull=False)
        .values_list("pk", "public_id", "price", "currency")
    )
    prices = prices_for(
        [(pk, price or Decimal("0.00"), 1) for pk, _p, price, _c in products],
        user_id=request.user.pk,
    )
    body = {
        str(public_id): {
            "price": format_money(prices[pk].unit_price, currency),
            "list_price": format_money(prices[pk].list_price, currency),
        }
        for pk, public_id, _price, currency in products
        if prices[pk].is_reduced
    }
    response = JsonResponse(body)
    response["Cache-Control"] = "private, no-store"
    return response


def _retired_product(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A retired product: its successor (301) when there is one on sale, else its last page
    with an "archived" notice and nothing to buy."""
    item = queries.retired_product(public_id)
    if item is None:
        raise Http404("No such product on sale.")
    if item.successor is not None and item.successor.is_sellable:
        return redirect(item.successor.get_absolute_url(), permanent=True)
    return render(request, "storefront/product_archived.html", {"product": item})


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # The staff entrance is deliberately not named here: listing it would advertise it.
    lines = ["User-agent: *", "Disallow: /account/", "Disallow: /cart/", "Disallow: /checkout/"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
