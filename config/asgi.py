"""ASGI entry point: HTTP goes to Django, websockets to the chat consumers (Django Channels).

Websockets pass the allowed-hosts origin check (no cross-site sockets riding on the session
cookie) and the session/auth middleware, so consumers see the same user and session as views.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

# Imported after Django is set up: the routing imports models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from rapport.chat.routing import websocket_urlpatterns  # noqa: E402
from rapport.inventory.routing import websocket_urlpatterns as stock_websockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns + stock_websockets))
        ),
    }
)

# Last, once everything is imported: the collector leaves the loaded app alone (issue 18).
from rapport.core.gc_tuning import tune_after_startup  # noqa: E402

tune_after_startup()
