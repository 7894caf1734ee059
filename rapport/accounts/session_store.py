"""The session engine (`SESSION_ENGINE`): Django's database sessions, read with one
hand-written query.

Every signed-in request loads its session first; the ORM's `Session.objects.get(...)` spent
several times longer building the query than the database took to answer it (docs/performance.md,
"Signed-in cart flow"). Writes, expiry and `clearsessions` are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from rapport.core.sql import Columns, column, db_value, table

_COLUMNS = Columns(
    ("s", Session, "session_key"), ("s", Session, "session_data"), ("s", Session, "expire_date")
)


class SessionStore(DbSessionStore):
    def _get_session_from_db(self) -> Any:
        # As Django's: the unexpired session with this key, else None (and the key dropped).
        key = self.session_key
        if not key:  # Django's query finds nothing for an empty or missing key either
            self._session_key = None
            return None
        sql = (
            f"SELECT {_COLUMNS.sql} FROM {table(Session)} s"  # noqa: S608
            f" WHERE s.{column(Session, 'session_key')} = %s"
            f" AND s.{column(Session, 'expire_date')} > %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, db_value(Session, "expire_date", timezone.now())])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return _COLUMNS.instance(Session, row)
