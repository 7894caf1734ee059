"""mlxtend's fpgrowth + association_rules on the same baskets (run in the benchmark venv only),
untraced, RUNS times. The call is mlxtend's default one (no `num_itemsets`), exactly:

    fpgrowth(frame, min_support=S, use_colnames=True, max_len=2)
    association_rules(itemsets, metric="confidence", min_threshold=C)

then rows with lift ≥ L and one antecedent → one consequent. With `--num-itemsets` the second
call gets `num_itemsets=len(frame)` (what the first benchmark did), for the comparison.

    /tmp/bench-venv/bin/python bench/recommendations/mlxtend_rules.py /tmp/baskets.jsonl \
        0.005 0.2 1.5 /tmp/mlxtend.json [RUNS] [--num-itemsets]
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth
from mlxtend.preprocessing import TransactionEncoder

args = [a for a in sys.argv[1:] if not a.startswith("--")]
with_num_itemsets = "--num-itemsets" in sys.argv
path, min_support, min_confidence, min_lift, out = args[:5]
runs = int(args[5]) if len(args) > 5 else 1
# Stock codes interned (one string object per code, as in both sides' own encoders): the same
# input for both miners, without 400,000 duplicate strings in the process's memory.
with open(path) as handle:
    baskets = [[sys.intern(code) for code in json.loads(line)] for line in handle]
seconds = []
cpu = []  # this process's CPU time: far less sensitive than wall time to a busy box
for _run in range(runs):
    start, cpu_start = time.perf_counter(), time.process_time()
    encoder = TransactionEncoder()
    frame = pd.DataFrame(encoder.fit(baskets).transform(baskets), columns=encoder.columns_)
    itemsets = fpgrowth(frame, min_support=float(min_support), use_colnames=True, max_len=2)
    if with_num_itemsets:
        rules = association_rules(
            itemsets,
            metric="confidence",
            min_threshold=float(min_confidence),
            num_itemsets=len(frame),
        )
    else:
        rules = association_rules(
            itemsets, metric="confidence", min_threshold=float(min_confidence)
        )
    rules = rules[
        (rules["lift"] >= float(min_lift))
        & (rules["antecedents"].map(len) == 1)
        & (rules["consequents"].map(len) == 1)
    ]
    seconds.append(time.perf_counter() - start)
    cpu.append(time.process_time() - cpu_start)
pairs = sorted(
    [next(iter(a)), next(iter(c))]
    for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)
)
with open(out, "w") as handle:
    json.dump(pairs, handle)
print(
    json.dumps(
        {
            "miner": "mlxtend" + (" num_itemsets=n" if with_num_itemsets else " (default call)"),
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
