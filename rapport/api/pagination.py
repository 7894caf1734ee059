"""Limit/offset pages: `?limit=` (1 to MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE) and
`?offset=` (0 to MAX_OFFSET). Each page says how many items there are in all and where the
next page starts (`next_offset`, null on the last page)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_OFFSET = 100_000


class LimitOffset(PaginationBase):
    class Input(Schema):
        limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    class Output(Schema):
        items: list[Any]
        count: int
        limit: int
        offset: int
        next_offset: int | None

    items_attribute: str = "items"

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: Any = None, **params: Any
    ) -> Any:
        limit, offset = pagination.limit, pagination.offset
        count = self._items_count(queryset)
        items = list(queryset[offset : offset + limit])
        following = offset + limit
        return {
            "items": items,
            "count": count,
            "limit": limit,
            "offset": offset,
            "next_offset": following if following < count else None,
        }


# Every text a caller sends: PostgreSQL cannot store or compare a NUL character (the driver
# raises), so the schema refuses it up front (a 422 naming the field, not a 500).
NO_NUL = r"^[^\x00]*$"
