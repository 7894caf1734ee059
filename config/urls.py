from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from wagtail import urls as wagtail_urls

from rapport.content.admin_access import content_admin_urlpatterns

staff = settings.RAPPORT_STAFF_PATH

urlpatterns: list[URLPattern | URLResolver] = [
    # Django's admin is for superusers only and sits behind the unadvertised staff path too.
    path(f"{staff}/admin/", admin.site.urls),
    # Wagtail's admin (content): staff session + second factor + a content role.
    path(f"{staff}/content/", include(content_admin_urlpatterns())),
    path(f"{staff}/", include("rapport.portal.urls")),
    # Django's set_language (POST, CSRF-checked): the footer's language switcher.
    path("i18n/", include("django.conf.urls.i18n")),
    # The public JSON API (docs/api.md): its schema at /api/v1/openapi.json, docs at /api/v1/docs.
    path("api/v1/", include("rapport.api.urls")),
    # /healthz, /readyz and /metrics (token or staff only): docs/operations.md.
    path("", include("rapport.operations.urls")),
    path("", include("rapport.storefront.urls")),
    # Content pages (news, stories, pages) at the paths of Wagtail's page tree; last, so a
    # store URL always wins.
    path("", include(wagtail_urls)),
]

if settings.DEBUG or settings.SITE_IS_LOCAL_HTTP:
    # `make run` (a demo on this machine) serves uploaded media itself; production serves
    # MEDIA_URL from the web server or object storage (docs/hardening.md): WhiteNoise only serves
    # files present at start-up.
    from django.urls import re_path
    from django.views.static import serve

    media = settings.MEDIA_URL.strip("/")
    urlpatterns += [
        re_path(rf"^{media}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]
