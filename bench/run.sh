#!/usr/bin/env bash
# Rapport storefront benchmark, in one session: bare-Django ceiling, Rapport, and (if built)
# the django-oscar peer, all behind gunicorn with 2 sync workers on loopback, measured by the
# shared wrk harness. See docs/performance.md for figures and bench/README.md for details.
#
#   bench/run.sh                    # SQLite (the embedded default, like the peer's default)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench bench/run.sh
#   DURATION=10 REPEATS=1 WITH_OSCAR=0 bench/run.sh
#   PRICELIST=1 bench/run.sh        # + a signed-in customer with a price list (issue 17)
#   PRICELIST=1 RAPPORT_MAIN=0 ...  # that alone, next to the ceiling (and oscar when built)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="${HARNESS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/bench}"
PEER="$HARNESS/peer-oscar"
export RAPPORT_VAR_DIR="${RAPPORT_VAR_DIR:-/tmp/shop-rapport-bench}"
export DJANGO_SETTINGS_MODULE=bench.settings_bench
PORT="${PORT:-8711}"
CEIL_PORT="${CEIL_PORT:-8712}"
OSCAR_PORT="${OSCAR_PORT:-8713}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-5}"
REPEATS="${REPEATS:-1}"
WITH_OSCAR="${WITH_OSCAR:-1}"
PEER_VENV="${PEER_VENV:-/tmp/shop-peer-venv}"
PEER_SITE="${PEER_SITE:-/tmp/shop-peer-site}"
OUT="${OUT:-$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
LOAD=(python3 "$HARNESS/load.py" --duration "$DURATION" --warmup "$WARMUP" --concurrency 16)
PY="$ROOT/.venv/bin/python"
mkdir -p "$OUT" "$RAPPORT_VAR_DIR"
top -b -n 1 | head -15 > "$OUT/top-at-start.txt" 2>/dev/null || true

echo "== preparing Rapport (var dir $RAPPORT_VAR_DIR)"
(cd "$ROOT" && "$PY" manage.py migrate --no-input -v 0 \
  && "$PY" manage.py load_bench_catalogue --export "$ROOT/bench/data")

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

serve() {  # serve NAME PORT DIR VENV WSGI [ENV...]
  local name=$1 port=$2 dir=$3 venv=$4 wsgi=$5; shift 5
  (cd "$dir" && env "$@" PYTHONWARNINGS=ignore "$venv/bin/gunicorn" "$wsgi" \
    --bind "127.0.0.1:$port" --workers 2 --worker-class sync --log-level warning \
    --error-logfile "$OUT/gunicorn-$name.log") &
  pids+=($!)
  for _ in $(seq 1 60); do
    curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/" && return 0
    sleep 0.5
  done
  echo "$name did not start; see $OUT/gunicorn-$name.log" >&2; exit 1
}
stop_last() { kill "${pids[-1]}" 2>/dev/null || true; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }

echo "== ceiling: bare Django constant page on :$CEIL_PORT"
CEIL_VENV="$ROOT/.venv"; [ -x "$PEER_VENV/bin/gunicorn" ] && CEIL_VENV="$PEER_VENV"
serve ceiling "$CEIL_PORT" "$PEER/site" "$CEIL_VENV" peershop.wsgi:application \
  DJANGO_SETTINGS_MODULE=peershop.settings_ceiling
for i in $(seq 1 "$REPEATS"); do
  "${LOAD[@]}" --label ceiling --out "$OUT/ceiling-$i.json" \
    "http://127.0.0.1:$CEIL_PORT" "$PEER/ceiling.json" > /dev/null
done
stop_last

echo "== Rapport on :$PORT"
serve rapport "$PORT" "$ROOT" "$ROOT/.venv" config.wsgi:application \
  DJANGO_SETTINGS_MODULE=bench.settings_bench
for i in $(seq 1 "$REPEATS"); do
  [ "${RAPPORT_MAIN:-1}" = 1 ] || break
  "${LOAD[@]}" --mode each --label rapport --out "$OUT/rapport-$i.json" \
    "http://127.0.0.1:$PORT" "$ROOT/bench/scenario.json" > /dev/null
done
if [ "${PRICELIST:-0}" = 1 ]; then  # issue 17: a signed-in customer with a price list
  (cd "$ROOT" && "$PY" bench/pricing/signed_in_customer.py)
  for i in $(seq 1 "$REPEATS"); do
    for s in pricelist_product pricelist_basket; do
      "${LOAD[@]}" --mode each --label "rapport-$s" --out "$OUT/rapport-$s-$i.json" \
        "http://127.0.0.1:$PORT" "$ROOT/bench/scenario_$s.json" > /dev/null
    done
  done
fi
stop_last

if [ "$WITH_OSCAR" = 1 ] && [ -x "$PEER_VENV/bin/gunicorn" ]; then
  echo "== django-oscar peer on :$OSCAR_PORT"
  serve oscar "$OSCAR_PORT" "$PEER_SITE" "$PEER_VENV" peershop.wsgi:application \
    DJANGO_SETTINGS_MODULE=peershop.settings PEER_DB=sqlite PEER_SEARCH=whoosh
  for i in $(seq 1 "$REPEATS"); do
    "${LOAD[@]}" --mode each --label oscar --out "$OUT/oscar-$i.json" \
      "http://127.0.0.1:$OSCAR_PORT" "$PEER/scenario.json" > /dev/null
  done
  stop_last
fi

"$PY" "$ROOT/bench/summarize.py" "$OUT"/*.json | tee "$OUT/summary.md"
