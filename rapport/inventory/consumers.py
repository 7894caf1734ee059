"""The live stock page's websocket: staff only (the same rule as the chat's staff socket).

Server → client: `stock {levels: [{product, quantity, low}]}` whenever a sale, a cancellation,
a return or an adjustment moves stock. Client → server: `levels {products: [public ids]}` (at most
200) asks for the current levels, which a page sends after every (re)connect so that nothing
moved while it was offline is missed.
"""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from rapport.chat.access import staff_scope_ok
from rapport.inventory import live

CLOSE_FORBIDDEN = 4403
MAX_ASKED = 200
RECHECK_SECONDS = 30


class StockConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user, session = self.scope.get("user"), self.scope.get("session")
        if not await database_sync_to_async(staff_scope_ok)(user, session):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.joined = True
        self.checked_at = time.monotonic()
        await self.channel_layer.group_add(live.STOCK_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(live.STOCK_GROUP, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "levels":
            return
        asked = content.get("products")
        if not isinstance(asked, list):
            return
        wanted = [str(x) for x in asked[:MAX_ASKED]]
        levels = await database_sync_to_async(_levels_by_public_id)(wanted)
        await self.send_json({"type": "stock", "levels": levels})

    async def stock_event(self, event: dict[str, Any]) -> None:
        # A page only listens, so its socket does not keep the session alive; now and then
        # the session is read again: a sign-out or an idle timeout ends the socket.
        if time.monotonic() - self.checked_at >= RECHECK_SECONDS:
            self.checked_at = time.monotonic()
            if not await database_sync_to_async(_still_ok)(self.scope):
                await self.close(code=CLOSE_FORBIDDEN)
                return
        await self.send_json(event["payload"])


def _still_ok(scope: dict[str, Any]) -> bool:
    from importlib import import_module

    from django.conf import settings

    from rapport.accounts.models import User

    key = getattr(scope.get("session"), "session_key", None)
    user = scope.get("user")
    if not key or user is None:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    fresh = User.objects.filter(pk=user.pk).first()
    return fresh is not None and staff_scope_ok(fresh, store)


def _levels_by_public_id(public_ids: list[str]) -> list[dict[str, Any]]:
    import uuid

    from rapport.catalog.models import Product

    valid = []
    for value in public_ids:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    ids = Product.objects.filter(public_id__in=valid).values_list("pk", flat=True)
    return live.levels(ids)
