#!/usr/bin/env bash
# Category listing and search on a large catalogue on PostgreSQL, under the shared wrk harness.
#
#   createdb -h 127.0.0.1 -U postgres rapport_large
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_large PRODUCTS=300000 bench/run_large.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="${HARNESS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/bench}"
: "${DATABASE_URL:?set DATABASE_URL to a scratch PostgreSQL database}"
export DJANGO_SETTINGS_MODULE=bench.settings_bench RAPPORT_VAR_DIR="${RAPPORT_VAR_DIR:-/tmp/shop-rapport-large}"
PRODUCTS="${PRODUCTS:-300000}"
DATA="${DATA:-/tmp/shop-rapport-large-data}"
PORT="${PORT:-8721}"
OUT="${OUT:-$ROOT/bench/results/large-$(date -u +%Y%m%dT%H%M%SZ)}"
PY="$ROOT/.venv/bin/python"
mkdir -p "$OUT" "$RAPPORT_VAR_DIR"
cd "$ROOT"
"$PY" manage.py migrate --no-input -v 0
# Skips the load when the database already holds the catalogue (same product count): keep the
# database between runs.
"$PY" manage.py load_bench_catalogue --products "$PRODUCTS" --export "$DATA"
# Fresh statistics and visibility map, as autovacuum would leave them after a while: the listing
# pages read their keys from index-only scans.
"$PY" manage.py dbshell -- -q -c "VACUUM ANALYZE catalog_product" > /dev/null
"$PY" bench/large_pools.py "$DATA"
ln -sfn "$DATA" "$ROOT/bench/data-large"
PYTHONWARNINGS=ignore "$ROOT/.venv/bin/gunicorn" config.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers 2 --worker-class sync --log-level warning --error-logfile "$OUT/gunicorn.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/robots.txt" && break; sleep 0.5; done
python3 "$HARNESS/load.py" --duration "${DURATION:-20}" --warmup "${WARMUP:-5}" --concurrency 16 \
  --mode each --label "rapport-$PRODUCTS" --out "$OUT/large.json" \
  "http://127.0.0.1:$PORT" "$ROOT/bench/scenario_large.json" > /dev/null
"$PY" "$ROOT/bench/summarize.py" "$OUT"/*.json | tee "$OUT/summary.md"
