#!/usr/bin/env bash
# Build (once) the million-order database the reports benchmark reads (issue 19). Re-runnable:
# every step is skipped when its data is there already (FORCE_ROLLUPS=1 rebuilds the rollups).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_1m bench/analytics/build_1m.sh
#   then: bench/analytics/report_requests.py (the timing, ≤ 3 minutes)
#
# 1. Online Retail imported (real lines, customers, countries, derived categories);
# 2. scaled to ≥ 1,000,000 orders inside PostgreSQL (bench/segments/scale_up.py: 42 clones of
#    every customer, order and line, dates shifted by 0-3 whole weeks);
# 3. demo segments + RFM (heavy customers, the segment filter);
# 4. the demo clickstream, cloned into the orders' period, and one risk assessment per sale
#    order (bench/analytics/fill_traffic_risk.py);
# 5. the rollups rebuilt the way production does after an import,
#    `manage.py refresh_report_rollups --all` (run beside steps 3-4: it reads only the orders),
#    then ANALYZE.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="$ROOT/.venv/bin/python"
DATASETS="${DATASETS:-$(cd "$ROOT/.." && pwd)/shared/datasets}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rapport_bench_1m}"
export RAPPORT_VAR_DIR="${RAPPORT_VAR_DIR:-/tmp/shop-reports-1m}"
export DEBUG=1
mkdir -p "$RAPPORT_VAR_DIR"
cd "$ROOT"

ask() {  # one number from the database
  "$PY" -c "
import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()
from django.db import connection
with connection.cursor() as c: c.execute(\"$1\"); print(c.fetchone()[0])"
}
stamp() { echo "== $(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))"; }

stamp migrate
"$PY" manage.py migrate -v0
if [ "$(ask 'SELECT COUNT(*) FROM orders_order')" = 0 ]; then
  stamp import Online Retail
  "$PY" manage.py import_online_retail \
    "$DATASETS/online_retail/online_retail_2010_2011.csv.gz" --no-progress
fi
if [ "$(ask "SELECT COUNT(*) FROM customers_customer WHERE external_id LIKE '%~%'")" = 0 ]; then
  stamp scale up to a million orders
  "$PY" bench/segments/scale_up.py --orders "${ORDERS:-1000000}" --drop-indexes
fi
ROLLUPS=""
if [ -n "${FORCE_ROLLUPS:-}" ] || [ "$(ask 'SELECT COUNT(*) FROM analytics_salesday')" = 0 ]; then
  stamp rollups, in the background
  /usr/bin/time -f "refresh_report_rollups --all: wall %e s, CPU %U+%S s" \
    "$PY" manage.py refresh_report_rollups --all > "$RAPPORT_VAR_DIR/rollups.log" 2>&1 &
  ROLLUPS=$!
fi
if [ "$(ask 'SELECT COUNT(*) FROM segments_rfmscore')" = 0 ]; then
  stamp demo segments and RFM
  "$PY" manage.py seed_demo_segments
  "$PY" manage.py compute_rfm
fi
if [ "$(ask "SELECT COUNT(*) FROM traffic_visit WHERE source = 'clickstream'")" = 0 ]; then
  stamp demo clickstream
  "$PY" manage.py import_clickstream "$DATASETS/clickstream_eshop/e-shop_clothing_2008.csv.gz"
fi
stamp visits and risk assessments
"$PY" bench/analytics/fill_traffic_risk.py
if [ -n "$ROLLUPS" ]; then
  wait "$ROLLUPS"
  stamp rollups done
  cat "$RAPPORT_VAR_DIR/rollups.log"
fi
psql "$DATABASE_URL" -q -c 'ANALYZE'
stamp done
ask "SELECT 'orders ' || COUNT(*) FROM orders_order"
