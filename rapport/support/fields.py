"""A full-text search column that exists on every database but is only used on PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchVectorField


class SearchDocumentField(SearchVectorField):
    """`tsvector` on PostgreSQL; a plain, unused text column on SQLite (the zero-setup default,
    where `django.contrib.postgres` is not installed and search falls back to LIKE)."""

    def check(self, **kwargs: Any) -> list[Any]:
        return [e for e in super().check(**kwargs) if getattr(e, "id", "") != "postgres.E005"]

    def db_type(self, connection: Any) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"
