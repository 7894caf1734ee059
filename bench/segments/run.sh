#!/usr/bin/env bash
# Segments benchmark (not part of the test suite): RFM + segment refresh on the full Online Retail
# data, then home-page throughput for anonymous vs personalised visitors. See docs/performance.md.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_segments bench/segments/run.sh
#   SKIP_IMPORT=1 DURATION=10 bench/segments/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HARNESS="${HARNESS:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/bench}"
PY="$ROOT/.venv/bin/python"
DATA="${DATA:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/datasets/online_retail/online_retail_2010_2011.csv.gz}"
DURATION="${DURATION:-15}"
PORT="${PORT:-8731}"
export RAPPORT_VAR_DIR="${RAPPORT_VAR_DIR:-/tmp/shop-segments-bench}"
mkdir -p "$RAPPORT_VAR_DIR"
cd "$ROOT"

if [ -z "${SKIP_IMPORT:-}" ]; then
  DEBUG=1 "$PY" manage.py migrate -v0
  DEBUG=1 "$PY" manage.py import_online_retail "$DATA"
fi
echo "== RFM + demo segments + refresh"
DEBUG=1 "$PY" manage.py seed_demo_segments
for i in 1 2 3; do
  /usr/bin/time -f "compute_rfm wall %e s" env DEBUG=1 "$PY" manage.py compute_rfm
done

echo "== home page: anonymous vs personalised (gunicorn, 2 sync workers)"
DEBUG=1 "$PY" bench/segments/make_visitors.py > "$RAPPORT_VAR_DIR/cookies.txt"
DJANGO_SETTINGS_MODULE=bench.settings_bench PYTHONWARNINGS=ignore "$ROOT/.venv/bin/gunicorn" \
  config.wsgi -w 2 -b "127.0.0.1:$PORT" --log-level warning &
GPID=$!
trap 'kill $GPID' EXIT
sleep 4
while read -r label cookie; do
  echo "-- $label"
  wrk -t 4 -c 16 -d "${DURATION}s" ${cookie:+-H "Cookie: $cookie"} "http://127.0.0.1:$PORT/" \
    | grep -E "Requests/sec|Latency"
done < "$RAPPORT_VAR_DIR/cookies.txt"
