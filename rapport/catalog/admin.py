from typing import Any

from django.contrib import admin
from django.db import transaction

from rapport.catalog.cache import bump_version
from rapport.catalog.models import Category, Product, Seller


class BumpsCatalogueVersion(admin.ModelAdmin):
    """Admin edits (a category renamed, a product hidden) make cached catalogue pages stale in
    every worker, like the services' writes do."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(bump_version)

    def delete_model(self, request: Any, obj: Any) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(bump_version)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(bump_version)


@admin.register(Category)
class CategoryAdmin(BumpsCatalogueVersion):
    list_display = ["name", "parent", "source", "position"]
    search_fields = ["name", "name_original"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Product)
class ProductAdmin(BumpsCatalogueVersion):
    list_display = ["sku", "name", "category", "price", "currency", "is_active"]
    list_filter = ["is_active", "source"]
    search_fields = ["sku", "name"]
    list_select_related = ["category"]
    readonly_fields = ["price"]  # prices change through a service so the change is audited


@admin.register(Seller)
class SellerAdmin(BumpsCatalogueVersion):
    list_display = ["external_id", "city", "state"]
    search_fields = ["external_id", "city"]
