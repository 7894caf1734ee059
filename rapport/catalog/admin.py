from django.contrib import admin

from rapport.catalog.models import Category, Product, Seller


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "source", "position"]
    search_fields = ["name", "name_original"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "price", "currency", "is_active"]
    list_filter = ["is_active", "source"]
    search_fields = ["sku", "name"]
    list_select_related = ["category"]
    readonly_fields = ["price"]  # prices change through a service so the change is audited


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "city", "state"]
    search_fields = ["external_id", "city"]
