"""The API's routers and where each is mounted under /api/v1/.

Quotes (issue 20, item 2) add `routers/quotes.py` and one line here: ("/quotes", quotes.router).
"""

from __future__ import annotations

from ninja import Router

from rapport.api.routers import catalog, customers, devices, me, messages, notes, orders

MOUNTS: list[tuple[str, Router]] = [
    ("/me", me.router),
    ("/catalog", catalog.router),
    ("/customers", customers.router),
    ("/orders", orders.router),
    ("/notes", notes.router),
    ("/conversations", messages.router),
    ("/devices", devices.router),
]
