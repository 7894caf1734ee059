"""Websocket URLs. The staff socket sits under the unadvertised staff path, like the portal."""

from __future__ import annotations

from django.conf import settings
from django.urls import path

from rapport.chat import consumers

websocket_urlpatterns = [
    path(f"{settings.RAPPORT_STAFF_PATH}/ws/chat/", consumers.StaffChatConsumer.as_asgi()),
    path("ws/chat/<uuid:public_id>/", consumers.VisitorChatConsumer.as_asgi()),
]
