"""How close could *any* promise get? A hindsight oracle for issue 16's goal.

    .venv/bin/python bench/delivery/hindsight_ceiling.py ../shared/datasets/olist \
        [2018-03-01 [2018-06-01]]

The goal asks for an MAE at most half of Olist's own on the delivered orders purchased in the
test window, with a late share no higher than Olist's. This script gives every order a promise
that no real model can make: the q-quantile of the *actual* delivery times of the test orders in
its own cell (seller state x customer state x purchase week, or x purchase day), i.e. it knows
how each route performed in the very week the order was bought — March 2018's strike included.
It then picks the quantile whose late share comes closest to Olist's without exceeding it and
prints the MAE of that promise beside Olist's. Cells are small (a median of two orders a
route-week, one a route-day), which flatters the oracle: a one-order cell is promised its own
actual date.

Days are counted as the evaluation counts them (calendar days from the purchase date to the
delivery date). Reads the original Olist file names; prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

QUANTILES = [q / 100 for q in range(80, 100)]


def delivered_test_orders(data_dir: Path, test_from: str, until: str) -> pd.DataFrame:
    orders = pd.read_csv(
        data_dir / "olist_orders_dataset.csv.gz",
        parse_dates=[
            "order_purchase_timestamp",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
        ],
    )
    orders = orders[orders.order_status == "delivered"].dropna(
        subset=["order_delivered_customer_date"]
    )
    purchased = orders.order_purchase_timestamp
    orders = orders[(purchased >= test_from) & (purchased < until)]
    customers = pd.read_csv(data_dir / "olist_customers_dataset.csv.gz")
    items = pd.read_csv(data_dir / "olist_order_items_dataset.csv.gz")
    sellers = pd.read_csv(data_dir / "sellers.csv.gz")
    first_seller = (
        items.sort_values("order_item_id")
        .drop_duplicates("order_id")
        .merge(sellers[["seller_id", "seller_state"]], on="seller_id")
    )
    orders = orders.merge(customers[["customer_id", "customer_state"]], on="customer_id").merge(
        first_seller[["order_id", "seller_state"]], on="order_id"
    )
    day = orders.order_purchase_timestamp.dt.normalize()
    orders["actual"] = (orders.order_delivered_customer_date.dt.normalize() - day).dt.days
    orders["olist"] = (orders.order_estimated_delivery_date.dt.normalize() - day).dt.days
    orders["week"] = orders.order_purchase_timestamp.dt.isocalendar().week
    orders["day"] = day
    return orders


def oracle(orders: pd.DataFrame, cell: list[str], olist_late: float) -> dict[str, float]:
    best: dict[str, float] = {}
    for q in QUANTILES:
        promise = orders.groupby(cell)["actual"].transform(
            lambda x, q=q: np.ceil(np.quantile(x, q))
        )
        late = float((orders.actual > promise).mean())
        if late <= olist_late:
            mae = float((promise - orders.actual).abs().mean())
            best = {"quantile": q, "mae_days": round(mae, 2), "late_share": round(late, 4)}
            break
    return best


def main(data_dir: Path, test_from: str = "2018-03-01", until: str = "2018-06-01") -> None:
    orders = delivered_test_orders(data_dir, test_from, until)
    olist_mae = float((orders.olist - orders.actual).abs().mean())
    olist_late = float((orders.actual > orders.olist).mean())
    route = ["seller_state", "customer_state"]
    print(
        json.dumps(
            {
                "orders": len(orders),
                "olist": {"mae_days": round(olist_mae, 2), "late_share": round(olist_late, 4)},
                "goal_mae_days": round(olist_mae / 2, 2),
                "oracle_route_week": oracle(orders, [*route, "week"], olist_late),
                "oracle_route_day": oracle(orders, [*route, "day"], olist_late),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), *sys.argv[2:4])
