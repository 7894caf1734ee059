from django.contrib import admin

from rapport.customers.models import Interest, Occupation


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh_hans", "slug", "position", "is_active")
    list_editable = ("position", "is_active")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh_hans", "slug", "position", "is_active")
    list_editable = ("position", "is_active")
    prepopulated_fields = {"slug": ("name",)}
