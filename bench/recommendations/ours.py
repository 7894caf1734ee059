"""Time and measure our sparse-matrix miner on the dumped baskets; write the rule set.

.venv/bin/python bench/recommendations/ours.py /tmp/baskets.jsonl 0.005 0.2 1.5 /tmp/ours.json
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from rapport.recommendations.mining import rules_from_flat

path, min_support, min_confidence, min_lift, out = sys.argv[1:6]
with open(path) as handle:
    baskets = [json.loads(line) for line in handle]
tracemalloc.start()
start = time.perf_counter()
codes: dict[str, int] = {}
lengths = np.fromiter((len(b) for b in baskets), dtype=np.int64, count=len(baskets))
flat = np.fromiter(
    (codes.setdefault(c, len(codes)) for b in baskets for c in b),
    dtype=np.int64,
    count=int(lengths.sum()),
)
rules = rules_from_flat(
    flat,
    lengths,
    min_support=float(min_support),
    min_confidence=float(min_confidence),
    min_lift=float(min_lift),
)
elapsed = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
names = {v: k for k, v in codes.items()}
pairs = sorted([names[r.antecedent], names[r.consequent]] for r in rules)
with open(out, "w") as handle:
    json.dump(pairs, handle)
print(
    json.dumps(
        {
            "miner": "ours",
            "seconds": round(elapsed, 4),
            "tracemalloc_peak_mb": round(peak / 2**20, 2),
            "rules": len(pairs),
        }
    )
)
