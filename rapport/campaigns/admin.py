from django.contrib import admin

from rapport.campaigns.models import Campaign, Occasion


@admin.register(Occasion)
class OccasionAdmin(admin.ModelAdmin):
    list_display = ("customer", "kind", "name", "next_date", "strength", "enabled")
    list_filter = ("kind", "enabled")
    raw_id_fields = ("customer",)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "topic", "created_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("segment", "created_by")
