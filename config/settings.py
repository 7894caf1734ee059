"""Rapport settings: one module, read from the environment, secure unless DEBUG is asked for.

Environment variables (all optional in DEBUG; SECRET_KEY and ALLOWED_HOSTS required otherwise):
  DEBUG, SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL, REDIS_URL,
  EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL,
  RAPPORT_STAFF_PATH, RAPPORT_DATA_DIR, RAPPORT_CURRENCY, RAPPORT_REGION, RAPPORT_VAR_DIR.
  Messaging (docs/messaging.md): RAPPORT_SITE_URL, RAPPORT_BOUNCE_DOMAIN,
  RAPPORT_UNSUBSCRIBE_MAILTO, RAPPORT_CONTACT_BUDGET_PER_WEEK, RAPPORT_CONTACT_BUDGET_HIGH_RESERVE,
  RAPPORT_QUIET_HOURS_START, RAPPORT_QUIET_HOURS_END, RAPPORT_OUTBOX_MAX_ATTEMPTS,
  RAPPORT_BOUNCE_HARD_LIMIT, RAPPORT_BOUNCE_SOFT_LIMIT.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.http.request import validate_host
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RAPPORT_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Outside DEBUG Rapport needs a secret key from the environment: "
            "export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("SECRET_KEY is too weak: use at least 50 random characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. Outside DEBUG list the host names this site answers to, "
            "comma-separated, e.g. ALLOWED_HOSTS=shop.example.com"
        )
else:
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-" + "x" * 40
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The one address of the shop: every link in a mail, sent with or without a request, starts with
# it. Outside DEBUG it must be set, be one of ALLOWED_HOSTS, and use https unless it is this
# machine (a demo on 127.0.0.1 runs over plain http, with cookies to match).
RAPPORT_SITE_URL = env_str("RAPPORT_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
_site = urlsplit(RAPPORT_SITE_URL)
SITE_IS_LOCAL_HTTP = _site.scheme == "http" and _site.hostname in {"127.0.0.1", "localhost", "::1"}
if not DEBUG:
    if not RAPPORT_SITE_URL:
        raise ImproperlyConfigured(
            "RAPPORT_SITE_URL is not set: links in mail need the shop's address, "
            "e.g. RAPPORT_SITE_URL=https://shop.example.com"
        )
    if _site.scheme not in {"http", "https"} or not _site.hostname or _site.path not in {"", "/"}:
        raise ImproperlyConfigured(
            f"RAPPORT_SITE_URL={RAPPORT_SITE_URL!r} is not a site address like "
            "https://shop.example.com"
        )
    if _site.scheme != "https" and not SITE_IS_LOCAL_HTTP:
        raise ImproperlyConfigured(
            f"RAPPORT_SITE_URL={RAPPORT_SITE_URL!r} must use https (plain http only on 127.0.0.1)."
        )
    if not validate_host(_site.hostname, ALLOWED_HOSTS):
        raise ImproperlyConfigured(
            f"RAPPORT_SITE_URL's host {_site.hostname!r} is not in ALLOWED_HOSTS: mail would "
            "link to a host this site refuses."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rapport.core",
    "rapport.accounts",
    "rapport.catalog",
    "rapport.customers",
    "rapport.orders",
    "rapport.payments",
    "rapport.inventory",
    "rapport.cart",
    "rapport.checkout",
    "rapport.storefront",
    "rapport.portal",
    "rapport.messaging",
    "rapport.imports",
    "rapport.segments",
    "rapport.delivery",
    "rapport.aftersales",
    "rapport.recommendations",
    "channels",
    "rapport.workspace",
    "rapport.chat",
    "rapport.risk",
    "rapport.analytics",
    "rapport.traffic",
    "rapport.support",
    "rapport.feedback",
    "rapport.community",
    "rapport.campaigns",
    "rapport.credit",
    "rapport.customervalue",
    "rapport.api",
    "ninja",  # serves the API docs page's Swagger UI from our own static files (CSP: self only)
    "rapport.quotes",
    "rapport.devices",
    "rapport.drafts",
    "rapport.sync",
    "rapport.operations",
    "rapport.pricing",
    "rapport.loyalty",
    "rapport.configurator",
    # Content (M13): Wagtail's page tree, images, moderation; its admin sits behind the staff
    # entrance (rapport.content.admin_access).
    "rapport.content",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
]

MIDDLEWARE = [
    # Outermost: counts every response (a crash's 500 too) and its time, for the alert agent.
    "rapport.operations.request_stats.RequestStatsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, so a shown flash message's cookie is deleted by the last Set-Cookie header of
    # a page: the load harness (wrk) reads only that one, and with the CSRF cookie's renewal
    # last it never dropped the message, so every cart page re-rendered all earlier ones
    # (docs/performance.md, "Cart flow"). Browsers read every header either way.
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "rapport.cart.access.CartCookieMiddleware",
    "rapport.risk.client.ClientMiddleware",
    # Storefront page views queued for the traffic log, off the request path (rapport.traffic).
    "rapport.traffic.log.TrafficMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Idle or unverified staff sessions end on store pages too (accounts.middleware).
    "rapport.accounts.middleware.StaffSessionMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "rapport.storefront.context_processors.store",
                "rapport.accounts.context_processors.account",
                "rapport.segments.context_processors.personalisation",
            ],
        },
    },
    # Plain-text mail (subjects and text bodies, `messaging.rendering`): the same templates,
    # without HTML escaping, so "Kite & string" is not mailed as "Kite &amp; string".
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "rapport.sqlite3"),
            # Keep each worker's connection, as for PostgreSQL: opening one reads the whole schema
            # and runs the PRAGMAs below, which cost more than a product page's or a cart's queries.
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # WAL lets readers work while the importer or a checkout writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # Full-text search and trigram lookups for the catalogue search (SQLite has a fallback).
    INSTALLED_APPS.append("django.contrib.postgres")

# --- Redis: cache, Channels layer, Celery broker (all optional) ------------------------------
REDIS_URL = env_str("REDIS_URL")
# django-redis, because it can treat an unreachable Redis as an empty cache: with Redis down the
# shop keeps taking orders (slower: nothing is cached) instead of answering 500 on every page
# (bench/faults/redis_down_checkout.py). Each ignored error is logged; the short timeouts keep a
# dead or unreachable server from holding requests. What fails open meanwhile: docs/hardening.md.
REDIS_CACHE_BACKEND = "django_redis.cache.RedisCache"
REDIS_CACHE_OPTIONS: dict[str, Any] = {
    "IGNORE_EXCEPTIONS": True,
    "SOCKET_CONNECT_TIMEOUT": 1,
    "SOCKET_TIMEOUT": 2,
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": REDIS_CACHE_BACKEND,
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("RAPPORT_CACHE_PREFIX", "rapport"),
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "rapport.chat.layers.ChatChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout, exactly channels-redis's 5 s blocking
            # pop: idle sockets died with "Timeout reading". Reads wait longer than the pop; and
            # the pool has room for bursts of sockets joining or leaving (redis-py's default 100).
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "max_connections": env_int("RAPPORT_CHANNELS_MAX_CONNECTIONS", 1000),
                    }
                ],
                # All sockets of one process share one Redis queue, and a group send to a full
                # queue is dropped: channels-redis's 100 is half a second at 200 messages/s.
                "capacity": env_int("RAPPORT_CHANNELS_CAPACITY", 2000),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # Room for the storefront's cached fragments and pages (the default of 300 entries would
    # evict them constantly); per process, a few tens of MB at most.
    CACHES["default"]["OPTIONS"] = {"MAX_ENTRIES": 20000}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without Redis there is no worker to talk to: tasks run in-process, at once.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "UTC"

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The entrance backend lets customers in only at the store and staff only at the staff
# entrance; waits after failed logins are checked before it (accounts.forms, accounts.lockout).
AUTHENTICATION_BACKENDS = [
    "rapport.accounts.backends.EntranceBackend",
]
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:home"
LOGOUT_REDIRECT_URL = "storefront:home"

# The staff entrance lives at an unadvertised path; override it per installation.
RAPPORT_DEFAULT_STAFF_PATH = "office-7f3a9c"  # published in the README: development only
RAPPORT_STAFF_PATH = env_str("RAPPORT_STAFF_PATH", RAPPORT_DEFAULT_STAFF_PATH).strip("/")
if not RAPPORT_STAFF_PATH or "/" in RAPPORT_STAFF_PATH:
    raise ImproperlyConfigured(
        "RAPPORT_STAFF_PATH must be a single path segment, e.g. office-7f3a9c."
    )
if not DEBUG and RAPPORT_STAFF_PATH == RAPPORT_DEFAULT_STAFF_PATH:
    raise ImproperlyConfigured(
        "RAPPORT_STAFF_PATH is the published default: set your own unguessable path segment "
        "(e.g. python -c 'import secrets; print(\"office-\" + secrets.token_hex(4))')."
    )

# --- Content (Wagtail, rapport.content) -------------------------------------------------------
WAGTAIL_SITE_NAME = env_str("RAPPORT_SITE_NAME", "Rapport")
# Links in Wagtail's own mails start with the one site address (checked at start-up).
WAGTAILADMIN_BASE_URL = RAPPORT_SITE_URL
# No second login page: Wagtail's login sends people to the staff entrance.
WAGTAILADMIN_LOGIN_URL = "portal:login"
WAGTAILADMIN_PERMITTED_LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf"]
# No background autosave: a page is saved when its writer saves or submits it (autosave raced
# the first explicit save of a new page into a duplicate-slug error).
WAGTAIL_AUTOSAVE_INTERVAL = 0
WAGTAILIMAGES_MAX_IMAGE_PIXELS = env_int("RAPPORT_MAX_IMAGE_PIXELS", 25_000_000)
# Moderation mails go through the outbox (rapport.content.notifications); Wagtail's page
# comments mail straight to SMTP from its edit view, so they are off.
WAGTAILADMIN_COMMENTS_ENABLED = False
# The site checker (rapport.content.checker): external links are listed, not fetched, unless
# enabled; then only hosts on the allow-list are contacted ("*" = any).
RAPPORT_CHECKER_FETCH_EXTERNAL = env_bool("RAPPORT_CHECKER_FETCH_EXTERNAL", False)
RAPPORT_CHECKER_EXTERNAL_ALLOW = env_list("RAPPORT_CHECKER_EXTERNAL_ALLOW", [])
RAPPORT_CHECKER_BASE_URL = env_str("RAPPORT_CHECKER_BASE_URL", WAGTAILADMIN_BASE_URL)
RAPPORT_CHECKER_SLOW_MS = env_int("RAPPORT_CHECKER_SLOW_MS", 1500)
# Politeness toward the store (ADR 0007): requests at once, and a pause after each.
RAPPORT_CHECKER_CONCURRENCY = env_int("RAPPORT_CHECKER_CONCURRENCY", 1)
RAPPORT_CHECKER_PAUSE_MS = env_int("RAPPORT_CHECKER_PAUSE_MS", 5)
RAPPORT_CONTENT_TEAM_EMAIL = env_str("RAPPORT_CONTENT_TEAM_EMAIL", "content@localhost")

# --- Brute-force protection, second factor, sessions (see docs/security.md) -------------------
# Failed logins per entrance, per (account, address) and per address, with growing waits
# instead of a lock of the account from anywhere (rapport/accounts/lockout.py).
RAPPORT_LOGIN_FREE_FAILURES = env_int("RAPPORT_LOGIN_FREE_FAILURES", 5)
RAPPORT_LOGIN_FREE_FAILURES_PER_IP = env_int("RAPPORT_LOGIN_FREE_FAILURES_PER_IP", 30)
RAPPORT_LOGIN_FIRST_DELAY_SECONDS = env_int("RAPPORT_LOGIN_FIRST_DELAY_SECONDS", 30)
RAPPORT_LOGIN_MAX_DELAY_MINUTES = env_int("RAPPORT_LOGIN_MAX_DELAY_MINUTES", 15)
RAPPORT_LOGIN_FORGET_HOURS = env_int("RAPPORT_LOGIN_FORGET_HOURS", 24)
# Password-reset requests per window, per address and per target email (database counter).
RAPPORT_RESET_LIMIT_PER_IP = env_int("RAPPORT_RESET_LIMIT_PER_IP", 5)
RAPPORT_RESET_LIMIT_PER_EMAIL = env_int("RAPPORT_RESET_LIMIT_PER_EMAIL", 3)
RAPPORT_RESET_WINDOW_MINUTES = env_int("RAPPORT_RESET_WINDOW_MINUTES", 60)
# Staff sessions end after this many idle minutes (checked by rapport.core.access).
RAPPORT_STAFF_IDLE_MINUTES = env_int("RAPPORT_STAFF_IDLE_MINUTES", 30)
# JSON API calls per minute: per token, per signed-in browser session, per anonymous address.
RAPPORT_API_RATE_TOKEN = env_int("RAPPORT_API_RATE_TOKEN", 600)
RAPPORT_API_RATE_USER = env_int("RAPPORT_API_RATE_USER", 300)
RAPPORT_API_RATE_ANONYMOUS = env_int("RAPPORT_API_RATE_ANONYMOUS", 120)
RAPPORT_API_RATE_DEVICE = env_int("RAPPORT_API_RATE_DEVICE", 600)
# Server processes (config/asgi.py, config/wsgi.py) freeze the loaded app for the garbage
# collector and use these thresholds; empty keeps Python's defaults (rapport/core/gc_tuning.py).
RAPPORT_GC_THRESHOLDS = env_str("RAPPORT_GC_THRESHOLDS", "50000,20,100")
# Issue 20: a pull hands out only changes older than this, so a transaction that commits a
# moment late is never skipped by a watermark already past its timestamp (rapport/sync/queries.py).
RAPPORT_SYNC_SETTLE_SECONDS = env_int("RAPPORT_SYNC_SETTLE_SECONDS", 5)
# Enrolled devices (docs/devices.md): the site's certificate authority key (PEM in the
# environment, or a file); under DEBUG one is generated in VAR_DIR when neither is set, outside
# DEBUG device enrolment refuses to work without one. Previous CA certificates (PEM, several
# concatenated) keep the certificates they signed valid until those expire (rotation).
RAPPORT_DEVICE_CA_KEY = env_str("RAPPORT_DEVICE_CA_KEY", "")
RAPPORT_DEVICE_CA_KEY_FILE = env_str("RAPPORT_DEVICE_CA_KEY_FILE", "")
# Generate a CA key in VAR_DIR when none is set: DEBUG only (and the test settings).
RAPPORT_DEVICE_CA_GENERATE = DEBUG
RAPPORT_DEVICE_CA_PREVIOUS_CERTS_FILE = env_str("RAPPORT_DEVICE_CA_PREVIOUS_CERTS_FILE", "")
RAPPORT_DEVICE_CERT_DAYS = env_int("RAPPORT_DEVICE_CERT_DAYS", 7)
RAPPORT_DEVICE_CODE_HOURS = env_int("RAPPORT_DEVICE_CODE_HOURS", 24)
RAPPORT_DEVICE_SESSION_IDLE_HOURS = env_int("RAPPORT_DEVICE_SESSION_IDLE_HOURS", 12)
RAPPORT_DEVICE_SESSION_MAX_DAYS = env_int("RAPPORT_DEVICE_SESSION_MAX_DAYS", 30)
# Signed requests: `created` may be this many seconds off the server's clock either way.
RAPPORT_DEVICE_SIGNATURE_SKEW_SECONDS = env_int("RAPPORT_DEVICE_SIGNATURE_SKEW_SECONDS", 300)
# Email verification and email-change links stay valid this long.
RAPPORT_EMAIL_LINK_MAX_AGE = env_int("RAPPORT_EMAIL_LINK_MAX_AGE", 3 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 3600)
OTP_TOTP_ISSUER = env_str("RAPPORT_SITE_NAME", "Rapport")
# Django's database sessions, loaded with one hand-written query (rapport.accounts.session_store).
SESSION_ENGINE = "rapport.accounts.session_store"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)

# --- Mail -------------------------------------------------------------------------------------
# Django 6.1's MAILERS (the EMAIL_* settings are deprecated); the environment variables keep their
# familiar EMAIL_* names.
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
_mail_backend = env_str("EMAIL_BACKEND", SMTP_BACKEND)
_mail_options: dict[str, object] = {}
if _mail_backend == SMTP_BACKEND:
    _mail_options = {
        "host": env_str("EMAIL_HOST", "127.0.0.1"),
        "port": env_int("EMAIL_PORT", 1025 if DEBUG else 25),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Rapport <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
_NODE_HTMX = BASE_DIR / "node_modules" / "htmx.org" / "dist"
if _NODE_HTMX.is_dir():
    STATICFILES_DIRS.append(("vendor/htmx", _NODE_HTMX))
_NODE_ECHARTS = BASE_DIR / "node_modules" / "echarts" / "dist"
if _NODE_ECHARTS.is_dir():
    STATICFILES_DIRS.append(("vendor/echarts", _NODE_ECHARTS))
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded pictures larger than this many pixels are refused (decompression bombs).
RAPPORT_MAX_IMAGE_PIXELS = env_int("RAPPORT_MAX_IMAGE_PIXELS", 25_000_000)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security headers and cookies (secure unless DEBUG) ---------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: only our own scripts and styles; no inline script anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if not DEBUG:
    CSRF_COOKIE_HTTPONLY = True
if not DEBUG and not SITE_IS_LOCAL_HTTP:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Rapport ----------------------------------------------------------------------------------
RAPPORT_CURRENCY = env_str("RAPPORT_CURRENCY", "GBP")
# The shop's country (ISO 3166): with the language it picks how money and dates are written
# (CLDR through Babel): "en" + "GB" -> "£1,234.50", "6 Dec 2026".
RAPPORT_REGION = env_str("RAPPORT_REGION", "GB")
RAPPORT_DATA_DIR = Path(env_str("RAPPORT_DATA_DIR", str(BASE_DIR.parent / "shared" / "datasets")))
RAPPORT_SITE_NAME = env_str("RAPPORT_SITE_NAME", "Rapport")
# Shop: card payments go to a provider: "stripe" (hosted Checkout: cards, 3-D Secure, Alipay,
# WeChat Pay) or the offline "test" one, the default for development (docs/hardening.md).
RAPPORT_PAYMENT_PROVIDER = env_str("RAPPORT_PAYMENT_PROVIDER", "test")
if RAPPORT_PAYMENT_PROVIDER not in ("test", "stripe"):
    raise ImproperlyConfigured(
        f"RAPPORT_PAYMENT_PROVIDER={RAPPORT_PAYMENT_PROVIDER!r}: use 'stripe' or 'test'."
    )
# The test provider "captures" any Luhn-valid card: outside DEBUG only when explicitly allowed
# (a staging shop), and then every checkout page says TEST MODE.
RAPPORT_ALLOW_TEST_PAYMENTS = env_bool("RAPPORT_ALLOW_TEST_PAYMENTS", False)
if not DEBUG and RAPPORT_PAYMENT_PROVIDER == "test" and not RAPPORT_ALLOW_TEST_PAYMENTS:
    raise ImproperlyConfigured(
        "RAPPORT_PAYMENT_PROVIDER is the offline test provider, which accepts any valid-looking "
        "card number: configure a real provider, or set RAPPORT_ALLOW_TEST_PAYMENTS=1 for a "
        "test shop (its checkout then shows TEST MODE)."
    )
# Signs the test provider's webhooks; its own secret (never SECRET_KEY), required outside DEBUG.
RAPPORT_PAYMENT_WEBHOOK_SECRET = env_str(
    "RAPPORT_PAYMENT_WEBHOOK_SECRET", "dev-only-webhook-secret" if DEBUG else ""
)
if (
    not DEBUG
    and RAPPORT_PAYMENT_PROVIDER == "test"
    and (not RAPPORT_PAYMENT_WEBHOOK_SECRET or RAPPORT_PAYMENT_WEBHOOK_SECRET == SECRET_KEY)
):
    raise ImproperlyConfigured(
        "RAPPORT_PAYMENT_WEBHOOK_SECRET is not set: give payment webhooks their own secret "
        "(the one your provider shows), different from SECRET_KEY."
    )
# Stripe: the secret API key (sk_live_… / sk_test_…), the signing secret of the webhook
# endpoint /payments/webhook/stripe/ (whsec_…, shown by the Stripe Dashboard or `stripe listen`),
# and the payment methods the hosted page offers (comma-separated Stripe names, e.g.
# "card,alipay,wechat_pay"; empty: the ones switched on in the Dashboard).
RAPPORT_STRIPE_SECRET_KEY = env_str("RAPPORT_STRIPE_SECRET_KEY", "")
RAPPORT_STRIPE_WEBHOOK_SECRET = env_str("RAPPORT_STRIPE_WEBHOOK_SECRET", "")
RAPPORT_STRIPE_PAYMENT_METHOD_TYPES = [
    m.strip()
    for m in env_str("RAPPORT_STRIPE_PAYMENT_METHOD_TYPES", "card").split(",")
    if m.strip()
]
RAPPORT_STRIPE_API_BASE = "https://api.stripe.com"  # tests point it at recorded responses
if RAPPORT_PAYMENT_PROVIDER == "stripe":
    # The confirm form hands the customer over to Stripe's hosted page (a redirect the browser
    # checks against form-action).
    SECURE_CSP["form-action"] = [CSP.SELF, "https://checkout.stripe.com"]
    if not RAPPORT_STRIPE_SECRET_KEY:
        raise ImproperlyConfigured(
            "RAPPORT_PAYMENT_PROVIDER=stripe needs RAPPORT_STRIPE_SECRET_KEY (sk_live_…)."
        )
    if not RAPPORT_STRIPE_WEBHOOK_SECRET or RAPPORT_STRIPE_WEBHOOK_SECRET == SECRET_KEY:
        raise ImproperlyConfigured(
            "RAPPORT_PAYMENT_PROVIDER=stripe needs RAPPORT_STRIPE_WEBHOOK_SECRET, the signing "
            "secret (whsec_…) of the webhook endpoint /payments/webhook/stripe/."
        )
# Store credit an employee may add on their own: per top-up and per day; beyond, a manager
# approves (rapport/payments/topups.py).
RAPPORT_TOPUP_APPROVAL_OVER = env_str("RAPPORT_TOPUP_APPROVAL_OVER", "200.00")
RAPPORT_TOPUP_DAILY_LIMIT = env_str("RAPPORT_TOPUP_DAILY_LIMIT", "500.00")
RAPPORT_FREE_SHIPPING_OVER = env_str("RAPPORT_FREE_SHIPPING_OVER", "50.00")
RAPPORT_CART_TTL_DAYS = env_int("RAPPORT_CART_TTL_DAYS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail runs its search-index and reference-index updates as tasks (the django-tasks
        # package, which Django's own tasks came from); the immediate backend logs every start
        # and finish at INFO (noise in `make run`'s output). Failures are still logged (ERROR).
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}

# --- Messaging and the customer record (M2) ----------------------------------------------------
# RAPPORT_SITE_URL (absolute links in mail, checked at the top of this module).
# Envelope sender of every message (VERP: bounce+<message id>@domain), served by run_bounce_server.
RAPPORT_BOUNCE_DOMAIN = env_str("RAPPORT_BOUNCE_DOMAIN", "bounces.localhost")
RAPPORT_UNSUBSCRIBE_MAILTO = env_str("RAPPORT_UNSUBSCRIBE_MAILTO", "unsubscribe@bounces.localhost")
# At most this many non-transactional messages per customer per rolling 7 days ...
RAPPORT_CONTACT_BUDGET_PER_WEEK = env_int("RAPPORT_CONTACT_BUDGET_PER_WEEK", 3)
# ... of which this many are kept for high-priority messages (normal/low ones are held first).
RAPPORT_CONTACT_BUDGET_HIGH_RESERVE = env_int("RAPPORT_CONTACT_BUDGET_HIGH_RESERVE", 1)
# Quiet hours in the customer's own time zone (start hour, end hour); equal values switch off.
RAPPORT_QUIET_HOURS_START = env_int("RAPPORT_QUIET_HOURS_START", 21)
RAPPORT_QUIET_HOURS_END = env_int("RAPPORT_QUIET_HOURS_END", 8)
RAPPORT_OUTBOX_MAX_ATTEMPTS = env_int("RAPPORT_OUTBOX_MAX_ATTEMPTS", 8)
# A sender's hold on a message it is sending; past it (the worker died mid-send) the message is
# sent again, with the same Message-ID. Far above EMAIL_TIMEOUT plus rendering a receipt.
RAPPORT_OUTBOX_SENDING_LEASE_SECONDS = env_int("RAPPORT_OUTBOX_SENDING_LEASE_SECONDS", 600)
# A contact point fails after this many hard bounces, or this many failures of any kind.
RAPPORT_BOUNCE_HARD_LIMIT = env_int("RAPPORT_BOUNCE_HARD_LIMIT", 2)
RAPPORT_BOUNCE_SOFT_LIMIT = env_int("RAPPORT_BOUNCE_SOFT_LIMIT", 5)

# --- After-sales (issue 7) ----------------------------------------------------------------------
RAPPORT_RETURN_WINDOW_DAYS = env_int("RAPPORT_RETURN_WINDOW_DAYS", 30)
RAPPORT_WARRANTY_MONTHS = env_int("RAPPORT_WARRANTY_MONTHS", 24)
RAPPORT_DELIVERY_DEFAULT_DAYS = env_int("RAPPORT_DELIVERY_DEFAULT_DAYS", 7)
# The carrier's calendar (rapport/delivery/calendar.py): ISO weekdays (1 = Monday) the shop
# dispatches on and the carrier delivers on, the hour after which an order leaves the next
# dispatch day, and the subdivision of RAPPORT_REGION whose public holidays apply (e.g. ENG).
_WORKING_WEEK = ["1", "2", "3", "4", "5"]
RAPPORT_DISPATCH_WEEKDAYS = [int(d) for d in env_list("RAPPORT_DISPATCH_WEEKDAYS", _WORKING_WEEK)]
RAPPORT_DELIVERY_WEEKDAYS = [int(d) for d in env_list("RAPPORT_DELIVERY_WEEKDAYS", _WORKING_WEEK)]
RAPPORT_DISPATCH_CUTOFF_HOUR = env_int("RAPPORT_DISPATCH_CUTOFF_HOUR", 14)
RAPPORT_HOLIDAY_SUBDIVISION = env_str("RAPPORT_HOLIDAY_SUBDIVISION", "ENG")
RAPPORT_DELIVERY_MODEL_PATH = Path(
    env_str("RAPPORT_DELIVERY_MODEL_PATH", str(VAR_DIR / "delivery_model.json"))
)
# Issue 16: the nightly refit from the store's own shipments (docs/delivery.md).
RAPPORT_DELIVERY_RETRAIN_MIN_ORDERS = env_int("RAPPORT_DELIVERY_RETRAIN_MIN_ORDERS", 500)
RAPPORT_DELIVERY_LATE_TARGET = float(env_str("RAPPORT_DELIVERY_LATE_TARGET", "0.08"))
RAPPORT_UPGRADE_BATCH_SIZE = env_int("RAPPORT_UPGRADE_BATCH_SIZE", 200)

# --- Customer self-service (issue 23): knowledge base, inbound mail that answers itself ---------
RAPPORT_INTENT_MODEL_PATH = Path(
    env_str("RAPPORT_INTENT_MODEL_PATH", str(VAR_DIR / "intent_model.joblib"))
)
# An inbound mail is answered automatically only at or above this confidence (docs/support.md);
# unset: the thresholds the intent model chose on its own validation split when trained.
RAPPORT_AUTO_ANSWER_THRESHOLD = (
    float(env_str("RAPPORT_AUTO_ANSWER_THRESHOLD", ""))
    if env_str("RAPPORT_AUTO_ANSWER_THRESHOLD", "")
    else None
)
RAPPORT_AUTO_REPLIES_PER_DAY = env_int("RAPPORT_AUTO_REPLIES_PER_DAY", 3)
# The address customers write to (served by run_support_inbox; see docs/support.md).
RAPPORT_SUPPORT_ADDRESS = env_str("RAPPORT_SUPPORT_ADDRESS", "support@rapport.localhost")
# Envelope recipients the inbox accepts (comma-separated; empty accepts any).
RAPPORT_SUPPORT_RECIPIENTS = [
    a.strip() for a in env_str("RAPPORT_SUPPORT_RECIPIENTS", "").split(",") if a.strip()
]
# Largest mail accepted (a 10 MB attachment is ~14 MB once base64-encoded).
RAPPORT_SUPPORT_MAX_MAIL_BYTES = env_int("RAPPORT_SUPPORT_MAX_MAIL_BYTES", 32 * 1024 * 1024)
# Survey links (CSAT/NPS, one click from the mail) work for this many days.
RAPPORT_SURVEY_LINK_DAYS = env_int("RAPPORT_SURVEY_LINK_DAYS", 30)
# Community Q&A (issue 23): accounts younger than this many days post at most this many
# questions and answers a day (staff are not limited; docs/community.md).
RAPPORT_COMMUNITY_NEW_ACCOUNT_DAYS = env_int("RAPPORT_COMMUNITY_NEW_ACCOUNT_DAYS", 7)
RAPPORT_COMMUNITY_NEW_ACCOUNT_POSTS_PER_DAY = env_int(
    "RAPPORT_COMMUNITY_NEW_ACCOUNT_POSTS_PER_DAY", 5
)
# --- Occasions and campaigns (issue 24) ---------------------------------------------------------
# At most this many campaign mails (one-off and occasion reminders together) per customer per day
# in their own time zone; on top of the weekly contact budget.
RAPPORT_CAMPAIGN_DAILY_CAP = env_int("RAPPORT_CAMPAIGN_DAILY_CAP", 1)
RAPPORT_CAMPAIGN_BATCH_SIZE = env_int("RAPPORT_CAMPAIGN_BATCH_SIZE", 500)
# How many worker tasks share one campaign's batches (one per worker process is the useful most).
RAPPORT_CAMPAIGN_SEND_TASKS = env_int("RAPPORT_CAMPAIGN_SEND_TASKS", 2)
# An occasion reminder goes this many days before the customer usually starts buying for it.
RAPPORT_OCCASION_NOTICE_DAYS = env_int("RAPPORT_OCCASION_NOTICE_DAYS", 3)

# --- Operations (issue 22): health, metrics, backups, alerts; see docs/operations.md ------------
# Load balancers probe over plain HTTP: the probes are not redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
RAPPORT_HEALTH_MIN_FREE_DISK_MB = env_int("RAPPORT_HEALTH_MIN_FREE_DISK_MB", 1024)
# /metrics answers a scraper that sends "Authorization: Bearer <token>" (and staff sessions).
RAPPORT_METRICS_TOKEN = env_str("RAPPORT_METRICS_TOKEN")
RAPPORT_BACKUP_DIR = Path(env_str("RAPPORT_BACKUP_DIR", str(VAR_DIR / "backups")))
# 32 random bytes, URL-safe base64 (`manage.py backup --new-key`): backups are encrypted with it.
RAPPORT_BACKUP_KEY = env_str("RAPPORT_BACKUP_KEY")
RAPPORT_BACKUP_KEEP_DAILY = env_int("RAPPORT_BACKUP_KEEP_DAILY", 7)
RAPPORT_BACKUP_KEEP_WEEKLY = env_int("RAPPORT_BACKUP_KEEP_WEEKLY", 4)
RAPPORT_BACKUP_MAX_AGE_HOURS = env_int("RAPPORT_BACKUP_MAX_AGE_HOURS", 26)
# A 5xx rate or p95 over fewer requests than this is not measured (no alert on two requests).
RAPPORT_ALERT_MIN_REQUESTS = env_int("RAPPORT_ALERT_MIN_REQUESTS", 20)

# Issue 18: employees' personal report files live outside MEDIA_ROOT (never served as media);
# stock at or below this many units is highlighted on the live stock page.
RAPPORT_PRIVATE_ROOT = Path(env_str("RAPPORT_PRIVATE_ROOT", str(VAR_DIR / "private")))
RAPPORT_REPORT_FILE_MAX_BYTES = env_int("RAPPORT_REPORT_FILE_MAX_BYTES", 10 * 1024 * 1024)
RAPPORT_LOW_STOCK_THRESHOLD = env_int("RAPPORT_LOW_STOCK_THRESHOLD", 5)
