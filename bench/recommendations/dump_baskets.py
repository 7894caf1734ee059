"""Write the Online Retail baskets (sale invoices' product lines, by the importer's rules) as
JSON lines of stock codes, so both miners read exactly the same input.

    DJANGO_SETTINGS_MODULE=config.settings_test .venv/bin/python \
        bench/recommendations/dump_baskets.py DATA.csv.gz /tmp/baskets.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
django.setup()

from rapport.recommendations.evaluation import load_online_retail  # noqa: E402

baskets = load_online_retail(Path(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    for b in baskets:
        out.write(json.dumps(sorted(b.items)) + "\n")
print(f"{len(baskets)} baskets")
