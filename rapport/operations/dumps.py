"""The database side of backups: dump, restore and per-table checksums, for PostgreSQL
(`pg_dump` custom format / `pg_restore`) and SQLite (its online backup API).

A table's checksum is its row count and an order-independent sum of per-row hashes computed by
the database itself (PostgreSQL: md5 of the row's text; SQLite: a registered SQL function), so
a restored copy can be compared with the original whatever order its rows come back in. For
PostgreSQL the checksums are taken inside the very snapshot `pg_dump` dumps (an exported
snapshot), so they describe exactly what the file holds.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

Checksums = dict[str, list[Any]]  # {table: [rows, checksum text]}

PG_CHECKSUM = (
    "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint"
    "::numeric), 0)::text FROM {} AS t"
)


class DumpError(Exception):
    """A dump or restore that could not run (a missing or too old client, a failed command)."""


# --- PostgreSQL --------------------------------------------------------------------------------


def pg_params(database: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """psycopg connection keywords for a Django DATABASES entry (optionally another db name)."""
    params = {
        "dbname": name or database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }
    return {k: v for k, v in params.items() if v not in (None, "")}


def _pg_env(params: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD"}
    for key, var in names.items():
        if key in params:
            env[var] = str(params[key])
    env["PGDATABASE"] = str(params["dbname"])
    return env


def _client(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DumpError(
            f"{name} is not installed: install the PostgreSQL client matching the server "
            "(Debian: postgresql-client, installed by `make chromium`)."
        )
    return path


def check_client_version(params: dict[str, Any]) -> None:
    """pg_dump refuses a newer server; say so before starting rather than half-way."""
    out = subprocess.run(  # noqa: S603
        [_client("pg_dump"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)\.", out)
    client_major = int(match.group(1)) if match else 0
    with psycopg.connect(**params) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    server_major = int(row[0]) // 10000 if row else 0
    if client_major < server_major:
        raise DumpError(
            f"pg_dump {client_major} is older than the server ({server_major}): install the "
            f"PostgreSQL {server_major} client."
        )


def pg_tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    return [r[0] for r in rows]


def pg_checksums(conn: psycopg.Connection[Any]) -> Checksums:
    result: Checksums = {}
    for table in pg_tables(conn):
        query = sql.SQL(PG_CHECKSUM).format(sql.Identifier("public", table))
        row = conn.execute(query).fetchone()
        assert row is not None
        result[table] = [int(row[0]), str(row[1])]
    return result


def pg_dump(params: dict[str, Any], target: Path) -> Checksums:
    """Dump the database (custom format) into `target`; return the checksums of the same
    snapshot."""
    check_client_version(params)
    with psycopg.connect(**params) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None
            snapshot = str(row[0])
            checksums = pg_checksums(conn)
            command = [
                _client("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ]
            done = subprocess.run(  # noqa: S603
                command, env=_pg_env(params), capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise DumpError(f"pg_dump failed: {done.stderr.strip()[:400]}")
    return checksums


def pg_restore(params: dict[str, Any], source: Path, *, clean: bool) -> None:
    """Restore a custom-format dump into the database of `params`, all or nothing."""
    command = [
        _client("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={params['dbname']}",
    ]
    if clean:
        command += ["--clean", "--if-exists"]
    done = subprocess.run(  # noqa: S603
        [*command, str(source)], env=_pg_env(params), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise DumpError(f"pg_restore failed: {done.stderr.strip()[:400]}")


@contextmanager
def scratch_pg_database(params: dict[str, Any], name: str) -> Iterator[dict[str, Any]]:
    """Create an empty database `name` on the same server; drop it afterwards."""
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {**params, "dbname": name}
    finally:
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def pg_checksums_of(params: dict[str, Any]) -> Checksums:
    with psycopg.connect(**params) as conn:
        return pg_checksums(conn)


# --- SQLite ------------------------------------------------------------------------------------


def _row_hash(*values: Any) -> int:
    # 31 bits: the sum over any realistic table stays within SQLite's 64-bit integers.
    digest = hashlib.md5(repr(values).encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def sqlite_checksums(path: Path) -> Checksums:
    conn = sqlite3.connect(path)
    try:
        conn.create_function("rapport_row_hash", -1, _row_hash, deterministic=True)
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        result: Checksums = {}
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({quoted})")]
            args = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
            row = conn.execute(
                f"SELECT count(*), coalesce(sum(rapport_row_hash({args})), 0) FROM {quoted}"  # noqa: S608
            ).fetchone()
            result[table] = [int(row[0]), str(row[1])]
        return result
    finally:
        conn.close()


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()
