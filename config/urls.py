from django.conf import settings
from django.contrib import admin
from django.urls import include, path

staff = settings.RAPPORT_STAFF_PATH

urlpatterns = [
    # Django's admin is for superusers only and sits behind the unadvertised staff path too.
    path(f"{staff}/admin/", admin.site.urls),
    path(f"{staff}/", include("rapport.portal.urls")),
    # Django's set_language (POST, CSRF-checked): the footer's language switcher.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("rapport.storefront.urls")),
]
