from typing import Any

from django.contrib import admin
from django.db import transaction

from rapport.catalog.cache import bump_version
from rapport.catalog.models import Category, Product, ProductVersion, Seller
from rapport.catalog.services import EDITABLE_FIELDS, update_product


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
    readonly_fields = ["price", "retired_at"]  # prices change through a service (audited)
    raw_id_fields = ["successor"]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        """Edits of name, description or sale flag go through `update_product`, which keeps the
        earlier values as a version; other fields are saved as they are."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        edits = {f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE_FIELDS}
        others = [f for f in form.changed_data if f not in EDITABLE_FIELDS]
        if others:
            obj.save(update_fields=[*others, "updated_at"])
        if edits:
            update_product(product=obj, actor=request.user, **edits)
        transaction.on_commit(bump_version)


@admin.register(Seller)
class SellerAdmin(BumpsCatalogueVersion):
    list_display = ["external_id", "city", "state"]
    search_fields = ["external_id", "city"]


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    """Earlier versions are a record: readable, never changed."""

    list_display = ["product", "number", "name", "price", "is_active", "recorded_at"]
    search_fields = ["product__sku", "name"]
    list_select_related = ["product"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
