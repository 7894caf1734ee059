"""Summarise load.py JSON files as a Markdown table: req/s and p50/p99 per page and label."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(paths: list[str]) -> None:
    print("| run | page | req/s | p50 ms | p90 ms | p99 ms | errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for path in paths:
        data = json.loads(Path(path).read_text())
        label = data.get("label") or Path(path).stem
        for run in data["runs"]:
            for name, stats in run["paths"].items():
                print(
                    f"| {label} | {name} | {stats['rps']:.1f} | {stats['p50_ms']:.1f} | "
                    f"{stats['p90_ms']:.1f} | "
                    f"{stats['p99_ms']:.1f} | {stats['errors']} |"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
