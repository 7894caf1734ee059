"""The rating refresh's batch writes in set-based statements (PostgreSQL only).

`services.refresh_ratings` computes every rating in Python (`rating.rate`, the one definition of
the score) and hands each batch of changed ratings to `write_batch` here on PostgreSQL, or to
its ORM twin `services._write_batch_orm` elsewhere; both write the same rows
(`tests/test_refresh_paths.py`). Statements by hand because building a model instance per
rating, account and audit entry was most of a first refresh's time (ADR 0004, amendment
2026-12-06; `docs/performance.md`, "Rating refresh, third pass").
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import connection

from rapport.core import audit
from rapport.core.sql import column, table
from rapport.credit import rating
from rapport.credit.models import GRADE_ORDER, CreditPolicy, CreditRating, effective_grade
from rapport.payments.models import CreditAccount


def write_batch(
    chunk: list[int],
    results: dict[int, rating.Result],
    policy: CreditPolicy,
    now: datetime.datetime,
    actor: Any,
) -> tuple[int, int]:
    """Write one batch of recomputed ratings, as `services._write_batch_orm` does: one locked
    read of the stored grades and overrides, one `INSERT … ON CONFLICT` of every rating, one
    statement that syncs the credit accounts of new and regraded customers with the policy's
    terms, one audit insert; the rows go as one JSON document per statement. Call it inside
    the batch's transaction. Returns (created, grade changes)."""
    ratings = table(CreditRating)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {column(CreditRating, "customer")}, {column(CreditRating, "grade")},
                   {column(CreditRating, "override_grade")}
            FROM {ratings} WHERE {column(CreditRating, "customer")} = ANY(%s)
            ORDER BY {column(CreditRating, "customer")} FOR UPDATE
            """,  # noqa: S608
            [chunk],
        )
        existing = {pk: (grade, override) for pk, grade, override in cursor.fetchall()}
    rows: list[list[Any]] = []
    for pk in chunk:
        result = results[pk]
        grade = effective_grade(result.grade, existing.get(pk, ("", ""))[1], result.reasons)
        rows.append([pk, result.grade, grade, str(result.score), result.reasons])
    customer = column(CreditRating, "customer")
    updated = [
        f"{column(CreditRating, name)} = EXCLUDED.{column(CreditRating, name)}"
        for name in ("computed_grade", "grade", "score", "reasons", "computed_at", "updated_at")
    ]
    with connection.cursor() as cursor:
        # A rating that appeared after the locked read (a one-customer refresh or an override
        # committing meanwhile) is left as its writer made it: updating it here would set a
        # grade computed without its override and audit a change from the unrated grade.
        cursor.execute(
            f"""
            INSERT INTO {ratings} AS t (
                {column(CreditRating, "created_at")}, {column(CreditRating, "updated_at")},
                {column(CreditRating, "computed_at")}, {customer},
                {column(CreditRating, "computed_grade")}, {column(CreditRating, "grade")},
                {column(CreditRating, "score")}, {column(CreditRating, "reasons")},
                {column(CreditRating, "override_grade")}, {column(CreditRating, "override_reason")}
            )
            SELECT %s, %s, %s, (r ->> 0)::bigint, r ->> 1, r ->> 2, (r ->> 3)::numeric, r -> 4,
                   '', ''
            FROM jsonb_array_elements(%s::jsonb) AS r
            ON CONFLICT ({customer}) DO UPDATE SET {", ".join(updated)}
            WHERE t.{customer} = ANY(%s)
            RETURNING t.{customer}
            """,  # noqa: S608
            [now, now, now, json.dumps(rows), list(existing)],
        )
        written = {pk for (pk,) in cursor.fetchall()}
    regraded: list[list[Any]] = []
    entries: list[tuple[int, str, dict[str, Any]]] = []
    for pk, _computed, grade, score, _reasons in rows:
        if pk not in written:
            continue
        before = existing[pk][0] if pk in existing else None
        if before is None or grade != before:
            regraded.append([pk, grade])
        before = policy.unrated_grade if before is None else before
        if grade != before:
            summary = f"Credit rating {before} → {grade} (score {score})"
            entries.append((pk, summary, {"before": before, "after": grade, "score": score}))
    _sync_accounts(regraded, policy, now)
    audit.record_for_customers(action="credit.rated", actor=actor, entries=entries)
    return len(written) - len(existing), len(entries)


def _sync_accounts(grades: list[list[Any]], policy: CreditPolicy, now: datetime.datetime) -> None:
    """`services._sync_accounts` in one statement: credit terms on, at the grade's days and
    limit, where the grade has them (inserted, or updated where they differ); off where it has
    none and they were on."""
    if not grades:
        return
    terms = {g: [policy.credit_days(g), str(policy.credit_limit(g))] for g in GRADE_ORDER}
    accounts = table(CreditAccount)
    customer, allowed = column(CreditAccount, "customer"), column(CreditAccount, "allowed")
    days, limit = column(CreditAccount, "days"), column(CreditAccount, "limit")
    updated = column(CreditAccount, "updated_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH g AS (
                SELECT (r ->> 0)::bigint AS customer_id,
                       (%s::jsonb -> (r ->> 1) ->> 0)::int AS days,
                       (%s::jsonb -> (r ->> 1) ->> 1)::numeric AS credit_limit
                FROM jsonb_array_elements(%s::jsonb) AS r
            ), terms_on AS (
                INSERT INTO {accounts} AS a (
                    {column(CreditAccount, "created_at")}, {updated}, {customer}, {allowed},
                    {days}, {limit}
                )
                SELECT %s, %s, g.customer_id, TRUE, g.days, g.credit_limit
                FROM g WHERE g.days > 0 AND g.credit_limit > 0
                ON CONFLICT ({customer}) DO UPDATE
                SET {allowed} = TRUE, {days} = EXCLUDED.{days}, {limit} = EXCLUDED.{limit},
                    {updated} = EXCLUDED.{updated}
                WHERE (a.{allowed}, a.{days}, a.{limit})
                      IS DISTINCT FROM (TRUE, EXCLUDED.{days}, EXCLUDED.{limit})
            )
            UPDATE {accounts} AS a SET {allowed} = FALSE, {updated} = %s
            FROM g
            WHERE a.{customer} = g.customer_id AND a.{allowed}
              AND NOT (g.days > 0 AND g.credit_limit > 0)
            """,  # noqa: S608
            [json.dumps(terms), json.dumps(terms), json.dumps(grades), now, now, now],
        )
