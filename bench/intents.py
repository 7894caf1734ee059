"""Intent model quality on held-out splits of both Bitext sets, as texts and as real mails.

    DJANGO_SETTINGS_MODULE=config.settings_test .venv/bin/python bench/intents.py > result.json

Each shared set is split by text hash (20 % held out; a text, ignoring case and spacing, is
never on both sides, across the two sets too). One model is trained on both training parts;
each held-out part is scored as it is and as mails (bench/intent_mail_variant.py) at the
auto-answer threshold in use (the setting when set, else the thresholds the model chose on its
own validation split), plus a coverage/precision table over fixed thresholds and the time to
classify one mail. One JSON object on stdout, progress on stderr. Not part of the tests.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from bench.intent_mail_variant import as_mail
    from rapport.support.intents import data, evaluation, model

    threshold = settings.RAPPORT_AUTO_ANSWER_THRESHOLD
    files = data.shared_files()
    splits = {path.name: data.split_by_hash(data.read_examples(path)) for path in files}
    held_out = [e for _train, test in splits.values() for e in test]
    train = evaluation.without_texts_of([e for tr, _te in splits.values() for e in tr], held_out)
    print(f"training on {len(train)} examples …", file=sys.stderr)
    started = time.monotonic()
    pipeline = model.train(train)
    result: dict = {"threshold_setting": threshold, "train_examples": len(train)}
    result["train_seconds"] = round(time.monotonic() - started, 1)
    result["train_cpu_seconds"] = round(time.process_time(), 1)
    # The thresholds in use when the setting is unset: chosen on the model's validation split.
    result["validated_threshold"] = round(pipeline.floor, 5)
    result["validated_per_intent"] = {k: round(v, 5) for k, v in pipeline.thresholds.items()}
    result["validation"] = pipeline.validation
    for name, (_train, test) in splits.items():
        mails = [as_mail(e.text) for e in test]
        clean = evaluation.score(test, pipeline=pipeline, threshold=threshold)
        as_mails = evaluation.score(test, pipeline=pipeline, threshold=threshold, mails=mails)
        curve = {}
        for t in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
            for label, bodies in (("text", None), ("mail", mails)):
                s = evaluation.score(test, pipeline=pipeline, threshold=t, mails=bodies)
                curve[f"{label}@{t}"] = [s["auto_answer_coverage"], s["auto_answer_precision"]]
        for r in (clean, as_mails):
            r["worst_intents"] = sorted(r.pop("per_intent").items(), key=lambda kv: kv[1])[:3]
        result[name] = {"text": clean, "mail": as_mails, "coverage_precision": curve}
        print(f"{name}: done", file=sys.stderr)
    # Time to classify one mail (the full inbound path: cleaning, features, model).
    sample = [as_mail(e.text) for e in held_out[:500]]
    timings, cpu = [], []
    for body, html in sample:
        t0, c0 = time.perf_counter(), time.process_time()
        model.classify(body, html=html, pipeline=pipeline)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    timings.sort()
    cpu.sort()
    result["classify_ms"] = {
        "median": round(statistics.median(timings), 3),
        "p99": round(timings[int(len(timings) * 0.99) - 1], 3),
        "cpu_median": round(statistics.median(cpu), 3),
        "cpu_p99": round(cpu[int(len(cpu) * 0.99) - 1], 3),
    }
    result["load_average"] = os.getloadavg()[0]
    result["cpu_seconds"] = round(time.process_time(), 1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
