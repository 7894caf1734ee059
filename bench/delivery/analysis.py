"""Delivery-date analysis on a time split of the Olist excerpt (issue 7, item 2).

    .venv/bin/python bench/delivery/analysis.py [/work/shared/datasets/olist]

Prints (1) the split and what is censored, (2) which features carry signal, (3) hindsight ceilings
(the best any rule on a given grouping could do on the test orders, knowing their outcomes), and
(4) honest models for three promise times - at checkout, at payment approval, at carrier
hand-over - each chosen and calibrated on a validation slice before the test slice and scored
against Olist's own promise on the same orders. Olist's `order_estimated_delivery_date` is never a
model input (it appears in section 3 only as a labelled diagnostic of what route data could buy).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from olist_features import Order, load

from rapport.delivery.model import Sample, choose_and_fit, quantile_regression, score, time_split

DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/datasets/olist")
SPLIT = 0.8  # the same 80 % cut as `manage.py evaluate_delivery_model`
GAP_INNER = 0.8  # validation = the last 20 % of purchases before the cut
NOT_SHIPPED = ("canceled", "unavailable", "invoiced", "processing")


# --- the three promise times -----------------------------------------------------------------
# Each stage says when the promise is made (its anchor: the promise is anchor date + k days) and
# which orders it applies to. Information after the anchor is never used.
def anchor(order: Order, stage: str) -> dt.datetime | None:
    if stage == "checkout":
        return order.purchased
    if stage == "approval":
        return order.approved
    return order.handed_over  # "hand-over"


def days_after(order: Order, stage: str) -> int:
    a = anchor(order, stage)
    assert a is not None and order.delivered is not None
    return (order.delivered.date() - a.date()).days


def features(order: Order, stage: str, purchases: np.ndarray, names: Sequence[str]) -> list[float]:
    """Feature row known at the stage's anchor time. `purchases`: sorted purchase timestamps of
    every excerpt order (a ~4 % sample of Olist's orders), for the load signal."""
    p = order.purchased
    a = anchor(order, stage)
    assert a is not None
    t = p.timestamp()
    doy = 2 * math.pi * p.timetuple().tm_yday / 365.25
    every = {
        "weekday": [1.0 if p.weekday() == k else 0.0 for k in range(5, 7)],  # weekend purchase
        "anchor_weekday": [1.0 if a.weekday() == k else 0.0 for k in range(4, 7)],
        "hour": [1.0 if p.hour >= 17 else 0.0],
        "season": [math.sin(doy), math.cos(doy)],
        "payment": [
            1.0 if order.pay_type == "boleto" else 0.0,
            1.0 if order.pay_type == "voucher" else 0.0,
            math.log1p(order.pay_value),
            math.log1p(order.pay_installments),
            1.0 if order.pay_rows > 1 else 0.0,
        ],
        "load": [
            math.log1p(np.searchsorted(purchases, t) - np.searchsorted(purchases, t - 7 * 86400))
        ],
        "approval_delay": [
            math.log1p(max(0.0, (order.approved - p).total_seconds() / 3600))
            if order.approved
            else 0.0
        ],
        "handling": [
            math.log1p(max(0.0, (order.handed_over - order.approved).total_seconds() / 86400))
            if order.handed_over and order.approved
            else 0.0
        ],
    }
    row = [1.0]
    for name in names:
        row += every[name]
    return row


# --- scoring -------------------------------------------------------------------------------
def late_and_error(
    orders: Sequence[Order], promised: Sequence[dt.date], known_at: dt.datetime | None = None
) -> tuple[float, float, int]:
    """(MAE days, late share, orders scored). With `known_at`, only what was known then: an order
    still in transit is late if its promise has passed, and unscorable (dropped) otherwise."""
    errors, late = [], []
    for order, promise in zip(orders, promised, strict=True):
        assert order.delivered is not None
        if known_at is not None and order.delivered >= known_at:
            if promise < known_at.date():
                late.append(True)
                errors.append((known_at.date() - promise).days)  # a lower bound
            continue
        diff = (order.delivered.date() - promise).days
        errors.append(abs(diff))
        late.append(diff > 0)
    return float(np.mean(errors)), float(np.mean(late)), len(late)


# --- a calibrated model ------------------------------------------------------------------------
Predictor = Callable[[Sequence[Order]], np.ndarray]  # log1p(days after anchor), before offset


def fit_predictor(
    train: Sequence[Order],
    stage: str,
    names: Sequence[str],
    tau: float,
    half_life: float,
    purchases: np.ndarray,
) -> Predictor:
    latest = max(o.purchased for o in train)
    age = np.array([(latest - o.purchased).total_seconds() / 86400 for o in train])
    w = 0.5 ** (age / half_life) if half_life else np.ones(len(train))
    y = np.log1p(np.array([max(days_after(o, stage), 0) for o in train], dtype=float))
    x = np.array([features(o, stage, purchases, names) for o in train])
    # Columns that never vary in training would make the LP unbounded-free; drop them.
    # Orders weighing under 1e-4 of the newest change nothing but make the LP ill-conditioned.
    rows = w >= 1e-4
    x, y, w = x[rows], y[rows], w[rows]
    keep = np.r_[True, x[:, 1:].std(axis=0) > 0]
    beta = quantile_regression(x[:, keep], y, w / w.mean(), tau)

    def predict(orders: Sequence[Order]) -> np.ndarray:
        xs = np.array([features(o, stage, purchases, names) for o in orders])
        return xs[:, keep] @ beta

    return predict


def promises(orders: Sequence[Order], stage: str, logp: np.ndarray, offset: float) -> list[dt.date]:
    result = []
    for order, value in zip(orders, logp, strict=True):
        a = anchor(order, stage)
        assert a is not None
        days = max(0, math.ceil(round(math.expm1(value + offset), 2)))
        result.append(a.date() + dt.timedelta(days=days))
    return result


OFFSETS = np.round(np.arange(-1.5, 2.5, 0.01), 2)


def calibrate(
    valid: Sequence[Order], stage: str, logp: np.ndarray, target: float, known_at: dt.datetime
) -> float:
    """The smallest log-offset whose validation late share is within `target` (split-conformal
    on the late side: one number, chosen on orders the model did not see)."""
    for offset in OFFSETS:
        if late_and_error(valid, promises(valid, stage, logp, offset), known_at)[1] <= target:
            return float(offset)
    return float(OFFSETS[-1])


def known_at(orders: Sequence[Order], when: dt.datetime) -> list[Order]:
    return [o for o in orders if o.purchased < when and o.delivered and o.delivered < when]


def main() -> None:
    orders = load(DATA)
    purchases = np.sort(np.array([o.purchased.timestamp() for o in orders]))
    done = sorted(
        (o for o in orders if o.status == "delivered" and o.delivered), key=lambda o: o.purchased
    )
    cut = done[int(len(done) * SPLIT)].purchased
    test = [o for o in done if o.purchased >= cut and o.olist_promise]
    lost = [o for o in orders if o.purchased >= cut and o.status in ("shipped",)]
    print(f"# Olist excerpt: {len(orders)} orders, {len(done)} delivered; cut {cut:%Y-%m-%d}")
    last = test[-1].purchased
    print(f"test: {len(test)} delivered orders bought after the cut (to {last:%Y-%m-%d})")
    print(
        f"not in test: {len(lost)} orders bought after the cut, handed to the carrier, never "
        "delivered in the data (late for any promise); "
        f"{sum(1 for o in orders if o.purchased >= cut and o.status in NOT_SHIPPED)} "
        "cancelled/unavailable/not shipped"
    )
    olist = late_and_error(test, [o.olist_promise for o in test])  # type: ignore[misc]
    target = olist[1]
    print(f"Olist's own promise on the test orders: MAE {olist[0]:.2f} d, late {olist[1]:.2%}")
    print(f"goal: MAE <= {olist[0] / 2:.2f} d with late <= {target:.2%}\n")

    # (2) signal, on the training period only
    train_all = known_at(done, cut)
    y = np.array([days_after(o, "checkout") for o in train_all], dtype=float)
    week = np.array(
        [o.purchased.isocalendar()[0] * 100 + o.purchased.isocalendar()[1] for o in train_all]
    )
    resid = y.copy()
    for k in np.unique(week):
        resid[week == k] -= np.median(y[week == k])
    print("## Signal (training period, Spearman rho with days purchase->delivery; and with the")
    print("## residual after each purchase week's median, i.e. beyond the time trend)")
    cols: dict[str, Callable[[Order], float | None]] = {
        "payment value": lambda o: o.pay_value,
        "installments": lambda o: o.pay_installments,
        "several payment rows": lambda o: float(o.pay_rows > 1),
        "boleto (bank slip)": lambda o: float(o.pay_type == "boleto"),
        "credit card": lambda o: float(o.pay_type == "credit_card"),
        "voucher": lambda o: float(o.pay_type == "voucher"),
        "purchase hour": lambda o: o.purchased.hour,
        "purchase weekday": lambda o: o.purchased.weekday(),
        "purchase month": lambda o: o.purchased.month,
        "orders in the previous 7 days": lambda o: float(
            np.searchsorted(purchases, o.purchased.timestamp())
            - np.searchsorted(purchases, o.purchased.timestamp() - 7 * 86400)
        ),
        "approval delay (h)": lambda o: (
            (o.approved - o.purchased).total_seconds() / 3600 if o.approved else None
        ),
        "approved -> hand-over (d)": lambda o: (
            (o.handed_over - o.approved).total_seconds() / 86400
            if o.handed_over and o.approved
            else None
        ),
        "[~200 joinable] freight value": lambda o: o.freight,
        "[~200 joinable] weight (g)": lambda o: o.weight_g,
        "[~200 joinable] volume (cm3)": lambda o: o.volume_cm3,
        "[~200 joinable] seller in SP": lambda o: (
            None if o.seller_state is None else float(o.seller_state == "SP")
        ),
    }
    print(f"{'feature':34s} {'n':>5s} {'rho':>7s} {'p':>8s} {'rho|week':>9s} {'p':>8s}")
    for name, get in cols.items():
        values = [get(o) for o in train_all]
        ok = np.array([v is not None for v in values])
        v = np.array([x for x in values if x is not None], dtype=float)
        r1, p1 = spearmanr(v, y[ok])
        r2, p2 = spearmanr(v, resid[ok])
        print(f"{name:34s} {ok.sum():5d} {r1:+7.3f} {p1:8.1e} {r2:+9.3f} {p2:8.1e}")
    print(
        "conditional spread (training): days purchase->delivery, 10/50/90/97th percentile "
        f"overall {np.percentile(y, [10, 50, 90, 97]).round(1).tolist()}; residual after the "
        f"week median {np.percentile(resid, [10, 50, 90, 97]).round(1).tolist()}"
    )
    for kind in ("boleto", "credit_card"):
        m = np.array([o.pay_type == kind for o in train_all])
        spread = np.percentile(resid[m], [10, 50, 90, 97]).round(1).tolist()
        print(f"  {kind:12s} n={m.sum():4d} residual 10/50/90/97th {spread}")

    # (3) hindsight ceilings on the test orders
    print("\n## Hindsight ceilings on the test orders (one promise offset per group, chosen")
    print("## knowing every test outcome, exact optimum under the late-share budget; NOT models)")

    def ceiling(stage: str, keys: np.ndarray, label: str, subset: Sequence[Order]) -> None:
        anchors = np.array([anchor(o, stage).date().toordinal() for o in subset])  # type: ignore[union-attr]
        yy = np.array([o.delivered.date().toordinal() for o in subset]) - anchors  # type: ignore[union-attr]
        budget = math.floor(target * len(subset) + 1e-9)
        grid = np.arange(-5, 120)
        best = np.full(budget + 1, np.inf)
        best[0] = 0.0
        groups = np.unique(keys)
        for g in groups:
            vals = yy[keys == g][:, None]
            cost, late = np.abs(vals - grid).sum(0), (vals > grid).sum(0)
            nxt = np.full(budget + 1, np.inf)
            for c, late_n in zip(cost, late, strict=True):
                if late_n <= budget:
                    nxt[late_n:] = np.minimum(nxt[late_n:], best[: budget + 1 - late_n] + c)
            best = nxt
        i = int(np.argmin(best))
        mae, late_share = best[i] / len(subset), i / len(subset)
        print(f"{label:62s} {len(groups):4d} groups  MAE {mae:5.2f}  late {late_share:.2%}")

    pt = [o.purchased for o in test]
    ceiling("checkout", np.zeros(len(test)), "checkout: one number of days for everyone", test)
    ceiling("checkout", np.array([p.month for p in pt]), "checkout: per purchase month", test)
    ceiling(
        "checkout", np.array([p.isocalendar()[1] for p in pt]), "checkout: per purchase week", test
    )
    ceiling(
        "checkout",
        np.array([p.toordinal() for p in pt]),
        "checkout: per purchase day (~9 orders each)",
        test,
    )
    ceiling(
        "checkout",
        np.array(
            [
                p.isocalendar()[1] * 10 + (o.pay_type == "boleto")
                for p, o in zip(pt, test, strict=True)
            ]
        ),
        "checkout: per purchase week x boleto",
        test,
    )
    olist_days = np.array([(o.olist_promise - o.purchased.date()).days for o in test])  # type: ignore[operator]
    ceiling("checkout", olist_days, "checkout: per Olist's own days [route info; diagnostic]", test)
    shipped = [o for o in test if o.handed_over and o.approved]
    ceiling(
        "hand-over", np.zeros(len(shipped)), "hand-over: one number of days in transit", shipped
    )
    ceiling(
        "hand-over",
        np.array([o.purchased.isocalendar()[1] for o in shipped]),
        "hand-over: per purchase week",
        shipped,
    )
    ceiling(
        "hand-over",
        np.array([(o.olist_promise - o.purchased.date()).days for o in shipped]),  # type: ignore[operator]
        "hand-over: per Olist's own days [route info; diagnostic]",
        shipped,
    )

    # (4) honest models
    print("\n## Models: chosen on validation (last 20 % of purchases before the cut, scored with")
    print("## only what was known at the cut), refitted on everything known at the cut, scored on")
    print("## the test orders. Offset = split-conformal log-offset for validation late <= Olist's.")
    inner_cut = [o for o in orders if o.purchased < cut]
    inner_cut.sort(key=lambda o: o.purchased)
    v_start = inner_cut[int(len(inner_cut) * GAP_INNER)].purchased
    candidates = {
        "checkout": [
            ("intercept only", []),
            ("weekday+hour", ["weekday", "hour"]),
            ("weekday+hour+season", ["weekday", "hour", "season"]),
            ("+payments", ["weekday", "hour", "payment"]),
            ("+payments+load", ["weekday", "hour", "payment", "load"]),
        ],
        "approval": [
            ("intercept only", []),
            ("approval delay", ["approval_delay"]),
            ("approval delay+weekday+payments", ["approval_delay", "anchor_weekday", "payment"]),
        ],
        "hand-over": [
            ("intercept only", []),
            ("handling time", ["handling"]),
            (
                "handling+approval+weekday+payments",
                ["handling", "approval_delay", "anchor_weekday", "payment"],
            ),
        ],
    }
    for stage, sets in candidates.items():
        test_s = [
            o for o in test if anchor(o, stage) is not None and (stage != "hand-over" or o.approved)
        ]
        valid = [
            o
            for o in done
            if v_start <= o.purchased < cut
            and anchor(o, stage) is not None
            and o.olist_promise
            and (stage != "hand-over" or o.approved)
            and anchor(o, stage) < cut  # type: ignore[operator]
        ]
        v_target = late_and_error(valid, [o.olist_promise for o in valid], cut)[1]  # type: ignore[misc]
        theirs = late_and_error(test_s, [o.olist_promise for o in test_s])  # type: ignore[misc]
        print(
            f"\n### promise at {stage}: {len(test_s)} test orders; Olist on them MAE "
            f"{theirs[0]:.2f} late {theirs[1]:.2%}; validation {len(valid)} orders, Olist late "
            f"there {v_target:.2%}"
        )
        print(
            f"{'features':38s} {'tau':>4s} {'h-life':>6s} {'offset':>6s} {'val MAE':>7s} "
            f"{'val late':>8s} {'test MAE':>8s} {'test late':>9s}"
        )
        rows = []
        for label, names in sets:
            for tau in (0.5, 0.8, 0.9):
                for half_life in (14.0, 30.0, 90.0, 0.0):
                    inner = [
                        o
                        for o in known_at(done, v_start)
                        if anchor(o, stage) and (stage != "hand-over" or o.approved)
                    ]
                    predict = fit_predictor(inner, stage, names, tau, half_life, purchases)
                    offset = calibrate(valid, stage, predict(valid), v_target, cut)
                    v_mae, v_late, _ = late_and_error(
                        valid, promises(valid, stage, predict(valid), offset), cut
                    )
                    full = [
                        o
                        for o in known_at(done, cut)
                        if anchor(o, stage) and (stage != "hand-over" or o.approved)
                    ]
                    predict = fit_predictor(full, stage, names, tau, half_life, purchases)
                    t_mae, t_late, _ = late_and_error(
                        test_s, promises(test_s, stage, predict(test_s), offset)
                    )
                    rows.append((v_mae, label, tau, half_life, offset, v_late, t_mae, t_late))
        rows.sort(key=lambda r: r[0])
        for i, (v_mae, label, tau, half_life, offset, v_late, t_mae, t_late) in enumerate(rows):
            if i < 8 or (label == "intercept only" and tau == 0.5):
                mark = "  <- chosen on validation" if i == 0 else ""
                print(
                    f"{label:38s} {tau:4.2f} {half_life or float('inf'):6.0f} {offset:+6.2f} "
                    f"{v_mae:7.2f} {v_late:8.2%} {t_mae:8.2f} {t_late:9.2%}{mark}"
                )

    # the shop's model (rapport/delivery/model.py) on the same split, for reference
    samples = [
        Sample(o.purchased, o.delivered, o.olist_promise, o.approved, o.handed_over) for o in done
    ]
    shop_cut, shop_test = time_split(samples)
    params = choose_and_fit(samples, known_at=shop_cut)
    shop_test = [s for s in shop_test if s.promised_on]
    ours_now = score([params.promise(s.purchased_at) for s in shop_test], shop_test)
    print(
        f"\nshop model (evaluate_delivery_model): checkout MAE {ours_now.mae_days:.2f} "
        f"late {ours_now.late_share:.2%} on {ours_now.orders}"
    )


if __name__ == "__main__":
    main()
