from django.conf import settings
from django.contrib import admin
from django.urls import include, path

staff = settings.RAPPORT_STAFF_PATH

urlpatterns = [
    # Django's admin is for superusers only and sits behind the unadvertised staff path too.
    path(f"{staff}/admin/", admin.site.urls),
    path(f"{staff}/", include("rapport.portal.urls")),
    path("", include("rapport.storefront.urls")),
]
