"""Time our sparse-matrix miner on the dumped baskets (no tracemalloc: it distorts timings) and
write the rule set. Memory is measured in a separate run by `/usr/bin/time -v` (see run.sh).

.venv/bin/python bench/recommendations/ours.py /tmp/baskets.jsonl 0.005 0.2 1.5 /tmp/ours.json \
    [RUNS]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from rapport.recommendations.mining import rules_from_flat

path, min_support, min_confidence, min_lift, out = sys.argv[1:6]
runs = int(sys.argv[6]) if len(sys.argv) > 6 else 1
# Stock codes interned (one string object per code, as in both sides' own encoders): the same
# input for both miners, without 400,000 duplicate strings in the process's memory.
with open(path) as handle:
    baskets = [[sys.intern(code) for code in json.loads(line)] for line in handle]
seconds = []
cpu = []  # this process's CPU time: far less sensitive than wall time to a busy box
for _run in range(runs):
    start, cpu_start = time.perf_counter(), time.process_time()
    # Timed: encoding the basket lists as the miner's input, plus mining.
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
    seconds.append(time.perf_counter() - start)
    cpu.append(time.process_time() - cpu_start)
names = {v: k for k, v in codes.items()}
pairs = sorted([names[r.antecedent], names[r.consequent]] for r in rules)
with open(out, "w") as handle:
    json.dump(pairs, handle)
print(
    json.dumps(
        {
            "miner": "ours",
            "runs": runs,
            "seconds_min": round(min(seconds), 4),
            "seconds_median": round(statistics.median(seconds), 4),
            "seconds": [round(s, 4) for s in seconds],
            "cpu_seconds_min": round(min(cpu), 4),
            "cpu_seconds_median": round(statistics.median(cpu), 4),
            "rules": len(pairs),
        }
    )
)
