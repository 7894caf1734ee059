"""Settings for the test suite: production settings (DEBUG off) with test-only secrets.

Environment variables still win, so CI's DATABASE_URL and REDIS_URL are honoured.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-" + "k3y" * 20)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("RAPPORT_STAFF_PATH", "staff-test-entrance")
os.environ.setdefault("RAPPORT_SITE_URL", "https://testserver")
os.environ.setdefault("RAPPORT_ALLOW_TEST_PAYMENTS", "1")
os.environ.setdefault("RAPPORT_PAYMENT_WEBHOOK_SECRET", "test-only-webhook-" + "s3cr" * 8)
os.environ["CELERY_TASK_ALWAYS_EAGER"] = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "1")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

# Hashing is measured in its own test; a fast hasher keeps fixtures quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Mail tests start a real SMTP server (the `smtp_server` fixture); everything else stays local.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Pulls see changes at once; rapport/sync/tests/test_pull.py sets the margin where it tests it.
RAPPORT_SYNC_SETTLE_SECONDS = 0
# Device enrolment tests get a CA key generated in VAR_DIR (as under DEBUG).
RAPPORT_DEVICE_CA_GENERATE = True
# Tests share one Redis with other runs: keep their keys apart.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The same for the Channels layer: consumers under test run in this process.
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
