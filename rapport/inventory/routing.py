"""Websocket URL of the live stock page, under the unadvertised staff path like the portal."""

from __future__ import annotations

from django.conf import settings
from django.urls import path

from rapport.inventory import consumers

websocket_urlpatterns = [
    path(f"{settings.RAPPORT_STAFF_PATH}/ws/stock/", consumers.StockConsumer.as_asgi()),
]
