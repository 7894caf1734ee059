"""CPU per product page through Django's WSGI handler, in one process: first visits (cache
cleared, every product new) and repeat visits (whole-page cache hits). Not part of the tests.

    RAPPORT_VAR_DIR=/tmp/shop-rapport-bench .venv/bin/python bench/product_page_cpu.py 500

Run it at two commits on the same machine to compare (bench/data must come from the same
database: `manage.py load_bench_catalogue --export bench/data`).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=500, help="distinct products")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    products = (ROOT / "bench" / "data" / "products.txt").read_text().split()

    def get(path: str) -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        seen: dict[str, str] = {}

        def start_response(status: str, _headers: object, *_exc: object) -> None:
            seen["status"] = status

        body = app(environ, start_response)
        b"".join(body)
        body.close()  # request_finished, as a WSGI server sends it
        assert seen["status"].startswith("200"), seen

    for path in products[:50]:  # warm-up: imports, connections, templates
        get(path)
    cache.clear()
    sample = products[100 : 100 + args.n]
    for label in ("first visit (miss)", "repeat visit (hit)"):
        start = time.process_time()
        for path in sample:
            get(path)
        per_page = (time.process_time() - start) / len(sample) * 1000
        print(f"product page, {label}: {per_page:.2f} ms CPU")


if __name__ == "__main__":
    main()
