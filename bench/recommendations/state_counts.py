"""Full pair counts (the incremental state) and one increment, on the dumped baskets.

.venv/bin/python bench/recommendations/state_counts.py /tmp/reco-bench/baskets.jsonl
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rapport.recommendations import mining

THRESHOLDS = {"min_support": 0.005, "min_confidence": 0.2, "min_lift": 1.5, "top_n": 10}

codes: dict[str, int] = {}
with open(sys.argv[1]) as handle:
    baskets = [[codes.setdefault(c, len(codes)) for c in json.loads(line)] for line in handle]
tracemalloc.start()
start = time.perf_counter()
counts = mining.count(baskets)
full_s = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
blob = counts.to_bytes()
start = time.perf_counter()
rules = mining.rules(counts, **THRESHOLDS)
rank_s = time.perf_counter() - start
old = mining.count(baskets[:-100]).to_bytes()
start = time.perf_counter()
merged = mining.merge(mining.Counts.from_bytes(old), mining.count(baskets[-100:]))
mining.rules(merged, **THRESHOLDS)
increment_s = time.perf_counter() - start
print(
    json.dumps(
        {
            "full_count_s": round(full_s, 2),
            "full_count_peak_mb": round(peak, 1),
            "pair_counts": counts.pairs.nnz,
            "blob_mb": round(len(blob) / 2**20, 1),
            "rank_top10_s": round(rank_s, 2),
            "rules": len(rules),
            "increment_100_baskets_s": round(increment_s, 2),
            "increment_equals_full": (merged.pairs != counts.pairs).nnz == 0,
        }
    )
)
