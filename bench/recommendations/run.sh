#!/bin/sh
# Cross-sell miner vs mlxtend fpgrowth + association_rules (its default call) on Online Retail.
# mlxtend lives ONLY in a throwaway venv, never in the project:
#   python3 -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install mlxtend pandas numpy scipy
# Timings are untraced (no tracemalloc), RUNS runs each (min and median reported); memory is a
# separate single run under /usr/bin/time -v (maximum resident set size of the process).
# Usage: RUNS=5 MLX_RUNS=3 sh bench/recommendations/run.sh [DATA.csv.gz] [min_support min_conf min_lift]
set -eu
DATA=${1:-../shared/datasets/online_retail/online_retail_2010_2011.csv.gz}
S=${2:-0.005}; C=${3:-0.2}; L=${4:-1.5}
RUNS=${RUNS:-5}; MLX_RUNS=${MLX_RUNS:-3}
OUT=${OUT:-/tmp/reco-bench}
mkdir -p "$OUT"
DJANGO_SETTINGS_MODULE=config.settings_test .venv/bin/python bench/recommendations/dump_baskets.py \
  "$DATA" "$OUT/baskets.jsonl"
echo "== time"
.venv/bin/python bench/recommendations/ours.py "$OUT/baskets.jsonl" "$S" "$C" "$L" "$OUT/ours.json" "$RUNS"
/tmp/bench-venv/bin/python bench/recommendations/mlxtend_rules.py \
  "$OUT/baskets.jsonl" "$S" "$C" "$L" "$OUT/mlxtend.json" "$MLX_RUNS"
/tmp/bench-venv/bin/python bench/recommendations/mlxtend_rules.py \
  "$OUT/baskets.jsonl" "$S" "$C" "$L" "$OUT/mlxtend_n.json" 1 --num-itemsets
echo "== memory (one run each, /usr/bin/time -v)"
/usr/bin/time -v .venv/bin/python bench/recommendations/ours.py "$OUT/baskets.jsonl" "$S" "$C" "$L" \
  "$OUT/ours.json" 1 2> "$OUT/ours.time" >/dev/null
echo "ours: $(grep 'Maximum resident' "$OUT/ours.time")"
/usr/bin/time -v /tmp/bench-venv/bin/python bench/recommendations/mlxtend_rules.py \
  "$OUT/baskets.jsonl" "$S" "$C" "$L" "$OUT/mlxtend.json" 1 2> "$OUT/mlxtend.time" >/dev/null
echo "mlxtend: $(grep 'Maximum resident' "$OUT/mlxtend.time")"
echo "== rule sets"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda name: {tuple(p) for p in json.load(open(f"{out}/{name}.json"))}
ours, default, with_n = load("ours"), load("mlxtend"), load("mlxtend_n")
print(f"ours {len(ours)}, mlxtend default call {len(default)}: identical {ours == default}")
print(f"mlxtend with num_itemsets=n {len(with_n)}: differs from the default call on "
      f"{len(with_n ^ default)} rules: {sorted(with_n ^ default)}")
PY
