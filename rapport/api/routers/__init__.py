"""The API's routers and where each is mounted under /api/v1/.

Each router is one line here.
"""

from __future__ import annotations

from ninja import Router

from rapport.api.routers import (
    catalog,
    customers,
    devices,
    draft_orders,
    me,
    messages,
    notes,
    orders,
    quotes,
    sync,
)

MOUNTS: list[tuple[str, Router]] = [
    ("/me", me.router),
    ("/catalog", catalog.router),
    ("/customers", customers.router),
    ("/orders", orders.router),
    ("/notes", notes.router),
    ("/conversations", messages.router),
    ("/quotes", quotes.router),
    ("/draft-orders", draft_orders.router),
    ("/sync", sync.router),
    ("/devices", devices.router),
]
