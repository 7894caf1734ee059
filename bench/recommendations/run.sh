#!/bin/sh
# Cross-sell miner vs mlxtend fpgrowth + association_rules on the full Online Retail data.
# mlxtend lives ONLY in a throwaway venv, never in the project:
#   python3 -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install mlxtend pandas numpy scipy
# Usage: sh bench/recommendations/run.sh [DATA.csv.gz] [min_support min_confidence min_lift]
set -eu
DATA=${1:-/work/shared/datasets/online_retail/online_retail_2010_2011.csv.gz}
S=${2:-0.005}; C=${3:-0.2}; L=${4:-1.5}
OUT=${OUT:-/tmp/reco-bench}
mkdir -p "$OUT"
DJANGO_SETTINGS_MODULE=config.settings_test .venv/bin/python bench/recommendations/dump_baskets.py \
  "$DATA" "$OUT/baskets.jsonl"
/usr/bin/time -v .venv/bin/python bench/recommendations/ours.py "$OUT/baskets.jsonl" "$S" "$C" "$L" \
  "$OUT/ours.json" 2> "$OUT/ours.time"
grep "Maximum resident" "$OUT/ours.time"
/usr/bin/time -v /tmp/bench-venv/bin/python bench/recommendations/mlxtend_rules.py \
  "$OUT/baskets.jsonl" "$S" "$C" "$L" "$OUT/mlxtend.json" 2> "$OUT/mlxtend.time"
grep "Maximum resident" "$OUT/mlxtend.time"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
ours = {tuple(p) for p in json.load(open(f"{out}/ours.json"))}
theirs = {tuple(p) for p in json.load(open(f"{out}/mlxtend.json"))}
print(f"pair rules: ours {len(ours)}, mlxtend {len(theirs)}, identical: {ours == theirs}")
PY
