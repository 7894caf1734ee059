"""RFM scoring in one set-based statement (PostgreSQL and SQLite ≥ 3.25 alike).

Per active customer with at least one (non-cancelled) order:
  * recency   = time of the last order,
  * frequency = number of orders,
  * monetary  = order totals minus credit notes (Online Retail's "C" invoices).

Each is scored 1-5 by quintile of rank: ``score = 1 + 5 * (RANK() - 1) / n`` (integer division),
ranking ascending so that the most recent, most frequent and biggest spenders get 5. Unlike a
bare ``NTILE(5)``, ties get the same score (thousands of customers have exactly one order; NTILE
would split them arbitrarily between scores 1 and 2).

The named group comes from R and FM = (F + M + 1) // 2 (the F/M average, rounded up), checked in
this order (first match wins):

  ==================== ===================== =======================================
  group                R                     FM
  ==================== ===================== =======================================
  champions            5                     4-5
  loyal                3-4                   4-5
  potential_loyalists  4-5                   2-3
  new                  5                     1
  promising            4                     1
  need_attention       3                     3
  about_to_sleep       3                     1-2
  cant_lose            1-2                   5
  at_risk              1-2                   3-4
  lost                 1                     1
  hibernating          1-2                   1-2 (the rest)
  ==================== ===================== =======================================

The statement is built from our own constant text and the table names Django gives us; the only
values (order kind, cancelled status, timestamp) are bound parameters.
"""

from __future__ import annotations

import datetime

from django.db import connection

from rapport.customers.models import Customer
from rapport.orders.models import Order, OrderKind, OrderStatus
from rapport.segments.models import RfmScore

GROUP_CASE = """
CASE
  WHEN r = 5 AND fm >= 4 THEN 'champions'
  WHEN r IN (3, 4) AND fm >= 4 THEN 'loyal'
  WHEN r >= 4 AND fm IN (2, 3) THEN 'potential_loyalists'
  WHEN r = 5 AND fm = 1 THEN 'new'
  WHEN r = 4 AND fm = 1 THEN 'promising'
  WHEN r = 3 AND fm = 3 THEN 'need_attention'
  WHEN r = 3 THEN 'about_to_sleep'
  WHEN fm = 5 THEN 'cant_lose'
  WHEN fm IN (3, 4) THEN 'at_risk'
  WHEN r = 1 AND fm = 1 THEN 'lost'
  ELSE 'hibernating'
END
"""


def group_for(r: int, f: int, m: int) -> str:
    """The same mapping in Python (used by tests and documentation)."""
    fm = (f + m + 1) // 2
    if r == 5 and fm >= 4:
        return "champions"
    if r in (3, 4) and fm >= 4:
        return "loyal"
    if r >= 4 and fm in (2, 3):
        return "potential_loyalists"
    if r == 5:
        return "new"
    if r == 4:
        return "promising"
    if r == 3 and fm == 3:
        return "need_attention"
    if r == 3:
        return "about_to_sleep"
    if fm == 5:
        return "cant_lose"
    if fm in (3, 4):
        return "at_risk"
    if r == 1 and fm == 1:
        return "lost"
    return "hibernating"


def statement() -> str:
    q = connection.ops.quote_name
    scores = q(RfmScore._meta.db_table)
    orders = q(Order._meta.db_table)
    customers = q(Customer._meta.db_table)
    # Only table names from Django and constant text are interpolated; values are parameters.
    return f"""
WITH agg AS (
  SELECT o.customer_id AS cid,
         MAX(CASE WHEN o.kind = %s THEN o.placed_at END) AS last_at,
         SUM(CASE WHEN o.kind = %s THEN 1 ELSE 0 END) AS freq,
         SUM(CASE WHEN o.kind = %s THEN o.total ELSE -ABS(o.total) END) AS money
    FROM {orders} o
    JOIN {customers} c ON c.id = o.customer_id
   WHERE c.retired_at IS NULL AND c.merged_into_id IS NULL AND c.erased_at IS NULL
     AND o.status <> %s
   GROUP BY o.customer_id
  HAVING SUM(CASE WHEN o.kind = %s THEN 1 ELSE 0 END) > 0
), ranked AS (
  SELECT cid, last_at, freq, money,
         1 + (5 * (RANK() OVER (ORDER BY last_at) - 1)) / COUNT(*) OVER () AS r,
         1 + (5 * (RANK() OVER (ORDER BY freq) - 1)) / COUNT(*) OVER () AS f,
         1 + (5 * (RANK() OVER (ORDER BY money) - 1)) / COUNT(*) OVER () AS m
    FROM agg
), grouped AS (
  SELECT cid, last_at, freq, money, r, f, m, (f + m + 1) / 2 AS fm FROM ranked
)
INSERT INTO {scores}
  (customer_id, last_order_at, frequency, monetary, recency, frequency_score,
   monetary_score, {q("group")}, computed_at)
SELECT cid, last_at, freq, money, r, f, m, {GROUP_CASE}, %s FROM grouped
"""  # noqa: S608


def compute_all(*, now: datetime.datetime) -> int:
    """Replace every RFM row (call inside a transaction); returns the number of rows written."""
    RfmScore.objects.all()._raw_delete(RfmScore.objects.db)
    order, cancelled = OrderKind.ORDER.value, OrderStatus.CANCELLED.value
    with connection.cursor() as cursor:
        stamp = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(statement(), [order, order, order, cancelled, order, stamp])
        written = int(cursor.rowcount)
    # SQLite reports -1 for an INSERT that starts with WITH: count instead.
    return written if written >= 0 else RfmScore.objects.count()
