"""mlxtend's fpgrowth + association_rules on the same baskets (run in the benchmark venv only).

    /tmp/bench-venv/bin/python bench/recommendations/mlxtend_rules.py /tmp/baskets.jsonl \
        0.005 0.2 1.5 /tmp/mlxtend.json
"""

from __future__ import annotations

import inspect
import json
import sys
import time
import tracemalloc

import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth
from mlxtend.preprocessing import TransactionEncoder

path, min_support, min_confidence, min_lift, out = sys.argv[1:6]
with open(path) as handle:
    baskets = [json.loads(line) for line in handle]
tracemalloc.start()
start = time.perf_counter()
encoder = TransactionEncoder()
frame = pd.DataFrame(encoder.fit(baskets).transform(baskets), columns=encoder.columns_)
itemsets = fpgrowth(frame, min_support=float(min_support), use_colnames=True, max_len=2)
kwargs = {}
if "num_itemsets" in inspect.signature(association_rules).parameters:
    kwargs["num_itemsets"] = len(frame)
rules = association_rules(
    itemsets, metric="confidence", min_threshold=float(min_confidence), **kwargs
)
rules = rules[
    (rules["lift"] >= float(min_lift))
    & (rules["antecedents"].map(len) == 1)
    & (rules["consequents"].map(len) == 1)
]
elapsed = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
pairs = sorted(
    [next(iter(a)), next(iter(c))]
    for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)
)
with open(out, "w") as handle:
    json.dump(pairs, handle)
print(
    json.dumps(
        {
            "miner": "mlxtend",
            "seconds": round(elapsed, 4),
            "tracemalloc_peak_mb": round(peak / 2**20, 2),
            "rules": len(pairs),
        }
    )
)
