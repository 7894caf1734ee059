import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from rapport.core.gc_tuning import tune_after_startup  # noqa: E402

tune_after_startup()  # the collector leaves the loaded app alone (rapport/core/gc_tuning.py)
