"""Profile storefront requests in-process (no server), to find per-request costs. Not part of
the test suite.

Anonymous pages (product, category, search) go through Django's WSGI handler the way gunicorn
calls it (middleware built once, request_started/finished signals, so the database connection
is closed after each request as in production); the cart flow uses the test client (it needs a
session and a CSRF token). Requests/s is given for wall-clock and for CPU time of the process
(less sensitive to other load on the machine).

    RAPPORT_VAR_DIR=/tmp/shop-rapport-bench .venv/bin/python bench/profile_pages.py product 2000
    ... profile_pages.py cart 500 --profile      # cProfile, top functions by cumulative time

Pages: home, product (a uniformly random product of bench/data/products.txt, no cookies), cart (one
shopper: POST add-to-cart then GET /cart/, with a session; `--signed-in`: as a bench price-list
customer, bench/pricing/signed_in_customer.py), product-signed-in (random product pages for
that customer, through the test client), category, search. Prints requests/s
and the number of SQL queries per request (with --queries).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "page", choices=["home", "product", "cart", "category", "search", "product-signed-in"]
    )
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--queries", action="store_true")
    parser.add_argument(
        "--pool", type=int, default=0, help="product: only the first N products (cache hits)"
    )
    parser.add_argument(
        "--signed-in", action="store_true", help="cart: as a bench price-list customer"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    application = get_wsgi_application()

    def first_visit(path: str, query: str = "") -> None:
        """GET `path` without cookies, through the WSGI handler; asserts a 200."""
        status = []
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        response = application(environ, lambda s, h, exc_info=None: status.append(s))
        b"".join(response)
        response.close()  # type: ignore[attr-defined]
        assert status[0].startswith("200"), (path, status)

    data = ROOT / "bench" / "data"
    products = (data / "products.txt").read_text().split()
    if args.pool:
        products = products[: args.pool]
    categories = (data / "categories.txt").read_text().split()
    cart_add = (data / "cart_add.txt").read_text().split()
    words = ["cotton", "oak", "leather", "classic", "lamp", "shirt", "wool", "organic"]
    rng = random.Random(1)
    shopper = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    token = ""

    def one() -> None:
        nonlocal token
        if args.page == "home":
            first_visit("/")
        elif args.page == "product":
            first_visit(rng.choice(products))
        elif args.page == "category":
            first_visit(rng.choice(categories))
        elif args.page == "search":
            first_visit("/search/", "q=" + rng.choice(words))
        elif args.page == "product-signed-in":  # through the test client, like the cart
            if not shopper.cookies:
                assert shopper.get("/bench-sign-in/").status_code == 302
            assert shopper.get(rng.choice(products)).status_code == 200
        else:
            if not token:
                if args.signed_in:  # bench/pricing/signed_in_customer.py, bench/urls.py
                    assert shopper.get("/bench-sign-in/").status_code == 302
                page = shopper.get(products[0])
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
            r = shopper.post(rng.choice(cart_add), {"quantity": "1", "csrfmiddlewaretoken": token})
            assert r.status_code == 302, r.status_code
            assert shopper.get("/cart/").status_code == 200

    for _ in range(min(50, args.n)):
        one()
    if args.queries:
        with CaptureQueriesContext(connection) as ctx:
            one()
        for q in ctx.captured_queries:
            print(q["sql"][:160])
        print(f"{len(ctx.captured_queries)} queries")
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    cpu_start = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(args.n):
        one()
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(
        f"{args.page}: {args.n / elapsed:.0f} per second in one process ({args.n} runs); "
        f"{args.n / cpu:.0f} per CPU second ({cpu / args.n * 1000:.2f} ms CPU each)"
    )
    if profiler:
        order = os.environ.get("SORT", "cumulative")  # SORT=tottime, TOP=60: other views
        pstats.Stats(profiler).sort_stats(order).print_stats(int(os.environ.get("TOP", "45")))


if __name__ == "__main__":
    main()
