"""The storefront's cart flow (POST add-to-cart with CSRF -> 302, GET /cart/) through Django's
real WSGI handler, in one process: CPU time per step. Unlike the test client (and so unlike
`profile_pages.py cart`), the handler sends request_started/request_finished, so database
connections are opened and closed as under gunicorn. Not part of the test suite.

    RAPPORT_VAR_DIR=/tmp/shop-rapport-bench .venv/bin/python bench/cart_flow.py 500

Instructions per flow, independent of the machine's load (valgrind; the difference of two runs
removes start-up and warm-up):

    for n in 20 120; do RAPPORT_VAR_DIR=/tmp/shop-rapport-bench valgrind --tool=cachegrind \\
      --cache-sim=no --cachegrind-out-file=/dev/null .venv/bin/python bench/cart_flow.py $n \\
      2>&1 | grep "I *refs"; done        # (second - first) / 100 = instructions per flow

The shopper gets a fresh session every 200 flows, so no line reaches the 99-unit limit; the
bench data (bench/data/*.txt) must come from the same database (`load_bench_catalogue --export`).

`--signed-in`: the shopper is a bench price-list customer (`bench/pricing/signed_in_customer.py`
first), signed in through `/bench-sign-in/` (`bench/urls.py`); their cart is emptied (untimed)
with every new shopper.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
HOST = "127.0.0.1:8000"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=500, help="measured flows")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--signed-in", action="store_true", help="as a price-list customer")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    data = ROOT / "bench" / "data"
    products = (data / "products.txt").read_text().split()
    cart_add = (data / "cart_add.txt").read_text().split()
    rng = random.Random(1)

    def call(method: str, path: str, jar: dict[str, str], body: bytes = b"", **extra: str) -> Any:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": HOST,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **extra,
        }
        if jar:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        seen: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_exc: Any) -> None:
            seen["status"], seen["headers"] = int(status.split()[0]), headers

        chunks = app(environ, start_response)
        b"".join(chunks)
        chunks.close()  # sends request_finished, as a WSGI server does
        for name, value in seen["headers"]:
            if name.lower() == "set-cookie":
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(value)
                for key, morsel in cookie.items():
                    if morsel["max-age"] == "0" or morsel.value in ("", '""'):
                        jar.pop(key, None)
                    else:
                        jar[key] = morsel.value
        return seen["status"]

    def add(jar: dict[str, str]) -> None:
        token = jar["csrftoken"]
        body = urlencode({"quantity": "1", "csrfmiddlewaretoken": token}).encode()
        status = call(
            "POST",
            rng.choice(cart_add),
            jar,
            body,
            CONTENT_TYPE="application/x-www-form-urlencoded",
            HTTP_X_CSRFTOKEN=token,
            HTTP_REFERER=f"http://{HOST}/",
        )
        assert status == 302, status

    add_s = view_s = 0.0
    jar: dict[str, str] = {}
    for i in range(args.warmup + args.n):
        if i % 200 == 0:  # a new shopper: landing page (CSRF cookie), first add
            jar = {}
            if args.signed_in:
                from rapport.cart.models import CartLine, CartStatus

                CartLine.objects.filter(
                    cart__user__email__startswith="bench-pricelist", cart__status=CartStatus.OPEN
                ).delete()
                assert call("GET", "/bench-sign-in/", jar) == 302
            assert call("GET", products[0], jar) == 200
            add(jar)
        t0 = time.process_time()
        add(jar)
        t1 = time.process_time()
        assert call("GET", "/cart/", jar) == 200
        t2 = time.process_time()
        if i >= args.warmup:
            add_s += t1 - t0
            view_s += t2 - t1
    n = max(args.n, 1)
    print(
        f"cart flow: add {add_s / n * 1000:.2f} ms + view {view_s / n * 1000:.2f} ms "
        f"= {(add_s + view_s) / n * 1000:.2f} ms CPU per flow ({args.n} flows, one process"
        f"{', signed in with a price list' if args.signed_in else ''})"
    )


if __name__ == "__main__":
    main()
