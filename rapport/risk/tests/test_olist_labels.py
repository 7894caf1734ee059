"""The Olist labelling rule, checked by hand on rows made in the files' own format: closed
orders with items become sale invoices, `canceled`/`unavailable` ones positive, with the
cancellation known at the order's last recorded timestamp; open orders and orders without
items are left out."""

import csv
import gzip
from datetime import datetime

from rapport.risk.model import evaluate
from rapport.risk.olist import read_olist

ORDERS = [
    # order_id, customer_id, status, purchase, approved, carrier, delivered
    ("o-delivered", "c1", "delivered", "2017-10-02 10:56:33", "2017-10-02 11:07:15",
     "2017-10-04 19:55:00", "2017-10-10 21:25:13"),
    ("o-canceled", "c2", "canceled", "2017-10-05 09:00:00", "2017-10-05 09:30:00", "", ""),
    ("o-unavailable", "c3", "unavailable", "2017-10-06 12:00:00", "", "", ""),
    ("o-no-items", "c4", "unavailable", "2017-10-06 13:00:00", "2017-10-06 13:10:00", "", ""),
    ("o-shipped", "c5", "shipped", "2017-10-07 08:00:00", "2017-10-07 08:20:00",
     "2017-10-08 10:00:00", ""),
    ("o-again", "c6", "delivered", "2017-10-09 10:00:00", "2017-10-09 10:05:00", "", ""),
]  # fmt: skip


def write(path, header, rows):
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_labels_follow_the_status_and_the_cancellation_is_known_when_last_recorded(tmp_path):
    write(
        tmp_path / "olist_orders_dataset.csv.gz",
        ["order_id", "customer_id", "order_status", "order_purchase_timestamp",
         "order_approved_at", "order_delivered_carrier_date", "order_delivered_customer_date",
         "order_estimated_delivery_date"],
        [(*o, "") for o in ORDERS],
    )  # fmt: skip
    write(
        tmp_path / "olist_customers_dataset.csv.gz",
        ["customer_id", "customer_unique_id", "customer_zip_code_prefix", "customer_city",
         "customer_state"],
        [("c1", "u1", "01000", "sao paulo", "SP"), ("c2", "u2", "20000", "rio", "RJ"),
         ("c3", "u3", "30000", "bh", "MG"), ("c4", "u4", "01000", "sao paulo", "SP"),
         ("c5", "u5", "01000", "sao paulo", "SP"), ("c6", "u2", "20000", "rio", "RJ")],
    )  # fmt: skip
    items = ["order_id", "order_item_id", "product_id", "seller_id", "shipping_limit_date",
             "price", "freight_value"]  # fmt: skip
    write(
        tmp_path / "olist_order_items_dataset.csv.gz",
        items,
        [("o-delivered", "1", "p1", "s1", "", "58.90", "13.29"),
         ("o-delivered", "2", "p1", "s1", "", "58.90", "13.29"),
         ("o-canceled", "1", "p2", "s1", "", "10.00", "5.00"),
         ("o-unavailable", "1", "p3", "s1", "", "20.00", "5.00"),
         ("o-shipped", "1", "p1", "s1", "", "58.90", "13.29"),
         ("o-again", "1", "p2", "s1", "", "12.50", "5.00")],
    )  # fmt: skip

    invoices = read_olist(tmp_path)
    sales = {i.number: i for i in invoices if not i.is_cancellation}
    assert set(sales) == {"o-delivered", "o-canceled", "o-unavailable", "o-again"}
    assert sales["o-delivered"].lines == {"p1": (2, 117.8)}
    assert [s.label() for s in sales.values()] == [0, 1, 1, 0]
    assert sales["o-canceled"].cancelled_at == [datetime(2017, 10, 5, 9, 30)]
    assert sales["o-unavailable"].cancelled_at == [datetime(2017, 10, 7, 12, 0)]  # +1 day
    # Known on 2017-10-05 09:30: a cutoff before that does not see the label.
    assert sales["o-canceled"].label(known_before=datetime(2017, 10, 5, 9, 0)) == 0
    # The same person (u2) orders again: their history now holds one cancelled order.
    assert sales["o-again"].customer == sales["o-canceled"].customer == "u2"
    cancellations = [i for i in invoices if i.is_cancellation]
    assert [c.matched for c in cancellations] == [[sales["o-canceled"]], [sales["o-unavailable"]]]
    result = evaluate(invoices, datetime(2017, 10, 6), home_country="SP")
    assert (result["training_invoices"], result["invoices"]) == (2, 2)
