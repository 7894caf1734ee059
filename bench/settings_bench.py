"""Rapport settings for the load benchmark: production settings (DEBUG off), served over plain
HTTP on loopback like the peer, so cookies are not Secure-only and there is no HTTPS redirect."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-" + "x7q" * 20)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("RAPPORT_STAFF_PATH", "bench-staff-entrance")
os.environ.setdefault("RAPPORT_PAYMENT_WEBHOOK_SECRET", "bench-only-webhook-" + "w3b" * 8)
os.environ.setdefault("RAPPORT_ALLOW_TEST_PAYMENTS", "1")
os.environ.setdefault("RAPPORT_SITE_URL", "http://127.0.0.1:8000")  # loopback: plain http

from config.settings import *  # noqa: F403
from config.settings import STORAGES

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CSRF_COOKIE_HTTPONLY = False
# The scenario requests no static files; skip the manifest so collectstatic is not needed.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# The store's URLs plus the price-list scenarios' sign-in (bench/urls.py).
ROOT_URLCONF = "bench.urls"
