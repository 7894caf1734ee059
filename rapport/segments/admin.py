from django.contrib import admin

from rapport.segments.models import HomeBlock, Personalisation, RfmScore, Segment


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "priority", "is_active", "member_count", "refreshed_at")


admin.site.register(HomeBlock)
admin.site.register(RfmScore)
admin.site.register(Personalisation)
