"""The garbage collector of a long-running server process, tuned once the app has loaded.

CPython's cyclic collector walks every tracked object of the generations it collects. A server
process holds a large, long-lived heap (Django, the models, the libraries, thousands of open
websockets), and with the default thresholds (700, 10, 10) a full collection walks all of it
often, stopping the event loop for a tenth of a second or more: on the chat benchmark that was
the whole 99th-percentile tail (docs/performance.md, "Issue 18, garbage collector").

So, after the app is loaded: collect once, `gc.freeze()` what is there (startup objects are
never garbage; the collector stops walking them), and raise the thresholds
(`RAPPORT_GC_THRESHOLDS`, default 50000,20,100: a young collection every 50,000 net
allocations, a full one far more rarely). Cyclic garbage is still collected, just in fewer,
smaller passes. An empty `RAPPORT_GC_THRESHOLDS` keeps Python's defaults and does not freeze.
"""

from __future__ import annotations

import gc

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def thresholds(raw: str) -> tuple[int, int, int] | None:
    """`"a,b,c"` as three positive integers; None for an empty value (keep the defaults)."""
    if not raw.strip():
        return None
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) != 3 or not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ImproperlyConfigured(
            f"RAPPORT_GC_THRESHOLDS must be three positive integers like 50000,20,100, not {raw!r}."
        )
    first, second, third = (int(part) for part in parts)
    return first, second, third


def tune_after_startup() -> None:
    """Freeze the loaded app's objects and set the server's thresholds (see the module)."""
    wanted = thresholds(settings.RAPPORT_GC_THRESHOLDS)
    if wanted is None:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*wanted)
