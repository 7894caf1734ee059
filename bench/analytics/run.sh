#!/usr/bin/env bash
# Reports benchmark (not part of the test suite): Online Retail imported, scaled to a million
# orders (bench/segments/scale_up.py), rollups rebuilt, then every report timed.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_reports bench/analytics/run.sh
#   SKIP_IMPORT=1 bench/analytics/run.sh      # database already scaled
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="$ROOT/.venv/bin/python"
DATA="${DATA:-$ROOT/../shared/datasets/online_retail/online_retail_2010_2011.csv.gz}"
ORDERS="${ORDERS:-1000000}"
export RAPPORT_VAR_DIR="${RAPPORT_VAR_DIR:-/tmp/shop-reports-bench}"
mkdir -p "$RAPPORT_VAR_DIR"
cd "$ROOT"
if [ -z "${SKIP_IMPORT:-}" ]; then
  DEBUG=1 "$PY" manage.py migrate -v0
  DEBUG=1 "$PY" manage.py import_online_retail "$DATA" --no-progress
  DEBUG=1 "$PY" bench/segments/scale_up.py --orders "$ORDERS"
  echo "== rollups rebuilt from scratch"
  /usr/bin/time -f "rebuild_all wall %e s" env DEBUG=1 "$PY" -c "
import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()
from rapport.analytics.rollups import rebuild_all; print(rebuild_all(), 'days')"
fi
echo "== one minute's refresh after an order changes"
/usr/bin/time -f "refresh_changed (one day) wall %e s" env DEBUG=1 "$PY" -c "
import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()
from django.utils import timezone
from rapport.orders.models import Order
from rapport.analytics.rollups import refresh_changed
o = Order.objects.order_by('-placed_at').first(); Order.objects.filter(pk=o.pk).update(updated_at=timezone.now())
print(refresh_changed(), 'day(s) refreshed')"
DEBUG=1 "$PY" bench/analytics/report_times.py
