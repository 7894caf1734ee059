"""Print "label cookie" lines: an anonymous visitor and signed-in customers in demo segments."""

import os
import sys

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from rapport.accounts.models import User  # noqa: E402
from rapport.accounts.sessions import BACKEND  # noqa: E402
from rapport.segments.models import Segment  # noqa: E402

print("anonymous ")
for segment in Segment.objects.filter(member_count__gt=0).order_by("priority")[:3]:
    member = segment.memberships.select_related("customer").first()
    customer = member.customer
    if customer.user is None:
        customer.user = User.objects.create_user(
            email=f"bench-{customer.pk}@example.com", password=None
        )
        customer.save(update_fields=["user"])
    user = customer.user
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    print(f"{segment.name.replace(' ', '_')} {settings.SESSION_COOKIE_NAME}={session.session_key}")
