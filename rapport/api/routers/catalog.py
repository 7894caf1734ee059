"""The catalogue, read-only and public: categories, products, search."""

from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from rapport.api.auth import PUBLIC, PUBLIC_ROUTE
from rapport.api.pagination import NO_NUL, LimitOffset
from rapport.catalog.models import Category
from rapport.catalog.queries import filtered_products, sellable_products
from rapport.catalog.search import MAX_QUERY, search_products

router = Router(tags=["catalogue"], auth=PUBLIC)


class CategoryOut(Schema):
    slug: str
    name: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj: Category) -> str | None:
        return obj.parent.slug if obj.parent is not None else None


class ProductOut(Schema):
    id: UUID
    sku: str
    name: str
    slug: str
    price: str = Field(description='Decimal amount as a string, e.g. "12.50"')
    currency: str
    category: str | None = Field(description="The category's slug")

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_price(obj: Any) -> str:
        return f"{obj.price:.2f}"

    @staticmethod
    def resolve_category(obj: Any) -> str | None:
        return obj.category.slug if obj.category_id else None


class ProductDetailOut(ProductOut):
    description: str
    in_stock: int = Field(description="Units in stock now")

    @staticmethod
    def resolve_in_stock(obj: Any) -> int:
        stock = getattr(obj, "stock", None)
        return max(0, stock.quantity) if stock is not None else 0


Money = Decimal


class ProductFilters(Schema):
    category: str | None = Field(
        None, max_length=140, pattern=NO_NUL, description="A category slug"
    )
    min_price: Money | None = Field(None, ge=0, le=10**9, max_digits=12, decimal_places=2)
    max_price: Money | None = Field(None, ge=0, le=10**9, max_digits=12, decimal_places=2)
    in_stock: bool = False
    sort: Literal["name", "price", "-price", "newest", "popular"] = "name"


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=MAX_QUERY, pattern=NO_NUL)


@router.get(
    "/categories", response=list[CategoryOut], openapi_extra=PUBLIC_ROUTE, url_name="categories"
)
@paginate(LimitOffset)
def list_categories(request: HttpRequest) -> Any:
    """Every category, parents before children's siblings (position, then name)."""
    return Category.objects.select_related("parent").order_by("position", "name", "pk")


@router.get("/products", response=list[ProductOut], openapi_extra=PUBLIC_ROUTE, url_name="products")
@paginate(LimitOffset)
def list_products(request: HttpRequest, filters: Query[ProductFilters]) -> Any:
    """Products on sale, filtered by category (with its subcategories), price and stock."""
    category = None
    if filters.category:
        category = Category.objects.filter(slug=filters.category).first()
        if category is None:
            raise Http404("No such category")
    return filtered_products(
        category=category,
        min_price=filters.min_price,
        max_price=filters.max_price,
        in_stock=filters.in_stock,
        sort=filters.sort,
    )


@router.get(
    "/products/{product_id}",
    response=ProductDetailOut,
    openapi_extra=PUBLIC_ROUTE,
    url_name="product",
)
def get_product(request: HttpRequest, product_id: UUID) -> Any:
    """One product on sale (404 for one that is not, or no longer, on sale)."""
    product = (
        sellable_products().select_related("category", "stock").filter(public_id=product_id).first()
    )
    if product is None:
        raise Http404("No such product")
    return product


@router.get("/search", response=list[ProductOut], openapi_extra=PUBLIC_ROUTE, url_name="search")
@paginate(LimitOffset)
def search(request: HttpRequest, query: Query[SearchQuery]) -> Any:
    """The store's ranked search (whole words, then prefixes, then typo corrections); at most
    1,000 results."""
    return search_products(query.q)
