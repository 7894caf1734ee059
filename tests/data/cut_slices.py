"""Cut the small test slices in tests/data/ from the real datasets (see README.md here).

    .venv/bin/python tests/data/cut_slices.py ../shared/datasets

Deterministic: the same source files give byte-identical slices (gzip mtime 0).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    with gzip.open(path, "rt", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        return next(reader), list(reader)


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(buffer.getvalue().encode("utf-8"))
    print(f"{path.name}: {len(rows)} rows")


def cut_online_retail(source: Path) -> None:
    header, rows = read(source / "online_retail" / "online_retail_2010_2011.csv.gz")
    inv, code, desc, qty, date, price, cust = range(7)
    by_invoice: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_invoice[row[inv]].append(i)

    def smallest(test) -> str:  # type: ignore[no-untyped-def]
        """The invoice with the fewest rows that has a row passing `test` (earliest on a tie)."""
        candidates = {rows[i][inv] for i, row in enumerate(rows) if test(row)}
        return min(candidates, key=lambda n: (len(by_invoice[n]), by_invoice[n][0]))

    chosen = {"536365"}  # the first invoice: WHITE HANGING HEART T-LIGHT HOLDER at £2.55
    for special in [
        "POST",
        "DOT",
        "C2",
        "M",
        "m",
        "D",
        "S",
        "BANK CHARGES",
        "AMAZONFEE",
        "CRUK",
        "PADS",
        "B",
        "gift_0001_20",
        "DCGSSGIRL",
        "85123a",
    ]:
        chosen.add(smallest(lambda r, s=special: r[code] == s))
    chosen.add(smallest(lambda r: r[code] == "PADS" and r[price] == "0.0"))
    chosen.add(smallest(lambda r: r[code].startswith("gift_") and float(r[price]) > 0))
    chosen.add(smallest(lambda r: r[code] == "BANK CHARGES" and not r[inv].startswith("C")))
    chosen.add(smallest(lambda r: r[code] == "M" and r[inv].startswith("C")))
    chosen.add(smallest(lambda r: r[inv].startswith("C") and r[code] == "85123A"))
    chosen.add(smallest(lambda r: r[inv].startswith("C") and r[cust] == ""))
    # The latest invoice with 85123A: its price (£2.95) is the product's current price.
    chosen.add(max((r[date], r[inv]) for r in rows if r[code] == "85123A")[1])
    chosen.add(smallest(lambda r: r[code] == "85123A" and r[price] not in ("2.55", "2.95")))
    chosen.add(smallest(lambda r: int(r[qty]) < 0 and not r[inv].startswith("C") and r[desc]))
    chosen.add(smallest(lambda r: int(r[qty]) < 0 and not r[inv].startswith("C") and not r[desc]))
    chosen.add(smallest(lambda r: float(r[price]) == 0 and int(r[qty]) > 0 and r[cust] != ""))
    chosen.add(smallest(lambda r: float(r[price]) == 0 and int(r[qty]) > 0 and not r[desc]))
    chosen.add(smallest(lambda r: r[cust] == "" and float(r[price]) > 0 and int(r[qty]) > 0))
    chosen.add(smallest(lambda r: r[date].startswith("2011-07")))  # summer time (BST)
    # An invoice whose lines span two minutes, and the one invoice split in two in the file.
    chosen.add(
        min(
            (n for n, ix in by_invoice.items() if len({rows[i][date] for i in ix}) > 1),
            key=lambda n: len(by_invoice[n]),
        )
    )
    split = next(n for n, ix in by_invoice.items() if ix[-1] - ix[0] + 1 != len(ix))
    chosen.add(split)
    between = {rows[i][inv] for i in range(by_invoice[split][0], by_invoice[split][-1])}
    chosen |= between
    picked = sorted(i for n in chosen for i in by_invoice[n])
    write(HERE / "online_retail_slice.csv.gz", header, [rows[i] for i in picked])


def cut_olist(source: Path) -> None:
    """The importer's slice of the full Olist tables (tests/data/README.md says what is in it)."""
    folder = source / "olist"
    out = HERE / "olist"
    out.mkdir(exist_ok=True)
    t_head, translations = read(folder / "product_category_name_translation.csv.gz")
    c_head, customers = read(folder / "olist_customers_dataset.csv.gz")
    o_head, orders = read(folder / "olist_orders_dataset.csv.gz")
    i_head, items = read(folder / "olist_order_items_dataset.csv.gz")
    pay_head, payments = read(folder / "order_payments.csv.gz")
    r_head, reviews = read(folder / "order_reviews_excerpt.csv.gz")
    p_head, products = read(folder / "products.csv.gz")
    s_head, sellers = read(folder / "sellers.csv.gz")

    items_of: dict[str, list[list[str]]] = defaultdict(list)
    for row in items:
        items_of[row[0]].append(row)
    # The orders the importer tests name: one per Olist status, a two-item order, the README's
    # example order, and an order whose review is in the reviews excerpt.
    order_ids = [
        "e481f51cbdc54678b7cc49136f2d6af7",  # README's example order (delivered)
        "23c0fb66f3afa483b302cc740b14f17b",
        "0ac645ddb846d1373321decb39c9956f",  # two items, delivered
        "8e24261a7e58791d10cb1bf9da94df5c",  # unavailable
        "15bed8e2fec7fdbadb186b57c46c92f2",  # processing, reviewed
    ]
    for status in ["canceled", "shipped", "invoiced"]:
        order_ids += [o[0] for o in orders if o[2] == status and items_of[o[0]]][:1]
    order_ids += [o[0] for o in orders if len({i[3] for i in items_of[o[0]]}) > 1][:1]
    order_ids += [o[0] for o in orders if not items_of[o[0]]][:1]  # an order without items
    dropped_customers = [o[0] for o in orders if o[2] == "delivered" and o[0] not in order_ids][:2]
    order_ids += dropped_customers
    order_set = set(order_ids)
    no_customer = {o[1] for o in orders if o[0] in dropped_customers}
    multiline = [r for r in reviews if "\n" in r[4] or "\r" in r[4]]
    kept_reviews = [r for r in reviews if r[1] in order_set]
    kept_reviews += multiline[:3] + [r for r in reviews if r[1] not in order_set][:5]
    review_keys = {(r[0], r[1]) for r in kept_reviews}
    orphan_items = [i for i in items if i[0] not in order_set][:8]
    kept_items = [i for i in items if i[0] in order_set] + orphan_items
    all_orders = {o[0] for o in orders}
    # Payments of orders purchased after May 2018 (not in the orders table): real orphans.
    orphan_pay = [p for p in payments if p[0] not in all_orders][:8]

    used_products = {i[2] for i in kept_items}
    no_category = [p[0] for p in products if p[1] == ""][:3]
    untranslated = [
        p[0]
        for p in products
        if p[1] in ("pc_gamer", "portateis_cozinha_e_preparadores_de_alimentos")
    ][:2]
    product_set = used_products | set(no_category) | set(untranslated)
    product_set |= {p[0] for p in products[:5]}  # never sold in the slice: not on sale
    seller_set = {i[3] for i in kept_items} | {s[0] for s in sellers[:3]}
    customer_set = {o[1] for o in orders if o[0] in order_set} - no_customer
    customer_set |= {c[0] for c in customers[:3]}

    write(out / "product_category_name_translation.csv.gz", t_head, translations)
    write(out / "sellers.csv.gz", s_head, [s for s in sellers if s[0] in seller_set])
    write(out / "products.csv.gz", p_head, [p for p in products if p[0] in product_set])
    write(
        out / "olist_customers_dataset.csv.gz",
        c_head,
        [c for c in customers if c[0] in customer_set],
    )
    write(out / "olist_orders_dataset.csv.gz", o_head, [o for o in orders if o[0] in order_set])
    write(
        out / "olist_order_items_dataset.csv.gz",
        i_head,
        [i for i in items if i in kept_items],
    )
    write(
        out / "order_payments.csv.gz",
        pay_head,
        [p for p in payments if p[0] in order_set or p in orphan_pay],
    )
    write(
        out / "order_reviews_excerpt.csv.gz",
        r_head,
        [r for r in reviews if (r[0], r[1]) in review_keys],
    )


def cut_delivery(source: Path) -> None:
    """Every 40th order of the full table with its items, customers, sellers, products and the
    first three geolocation rows of each zip prefix they use: the evaluation command's slice."""
    folder = source / "olist"
    out = HERE / "delivery"
    out.mkdir(exist_ok=True)
    o_head, orders = read(folder / "olist_orders_dataset.csv.gz")
    kept = orders[::40]
    order_set = {o[0] for o in kept}
    i_head, items = read(folder / "olist_order_items_dataset.csv.gz")
    kept_items = [i for i in items if i[0] in order_set]
    c_head, customers = read(folder / "olist_customers_dataset.csv.gz")
    customer_set = {o[1] for o in kept}
    kept_customers = [c for c in customers if c[0] in customer_set]
    s_head, sellers = read(folder / "sellers.csv.gz")
    seller_set = {i[3] for i in kept_items}
    kept_sellers = [s for s in sellers if s[0] in seller_set]
    p_head, products = read(folder / "products.csv.gz")
    product_set = {i[2] for i in kept_items}
    prefixes = {c[2] for c in kept_customers} | {s[1] for s in kept_sellers}
    g_head, geolocation = read(folder / "olist_geolocation_dataset.csv.gz")
    per_prefix: dict[str, int] = defaultdict(int)
    kept_geo = []
    for row in geolocation:
        if row[0] in prefixes and per_prefix[row[0]] < 3:
            per_prefix[row[0]] += 1
            kept_geo.append(row)
    write(out / "olist_orders_dataset.csv.gz", o_head, kept)
    write(out / "olist_order_items_dataset.csv.gz", i_head, kept_items)
    write(out / "olist_customers_dataset.csv.gz", c_head, kept_customers)
    write(out / "sellers.csv.gz", s_head, kept_sellers)
    write(out / "products.csv.gz", p_head, [p for p in products if p[0] in product_set])
    write(out / "olist_geolocation_dataset.csv.gz", g_head, kept_geo)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "datasets"
    cut_online_retail(root)
    cut_olist(root)
    cut_delivery(root)
