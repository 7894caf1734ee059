"""A local stand-in for Stripe at the HTTP boundary: the real `stripe` SDK talks to it over HTTP.

Stripe itself cannot be reached from the tests, so this server answers the few API calls the
adapter makes with Stripe's recorded responses (`stripe_recorded/*.json`, shaped as the Stripe
API reference documents them), filled with the request's own ids and amounts; it keeps Stripe's
idempotency rule (the same `Idempotency-Key` replays the first answer). `/pay/<id>` plays the
hosted Checkout page. Webhook events are built from the recorded event and signed with the
real `Stripe-Signature` scheme (`signed_event`).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RECORDED = Path(__file__).parent / "stripe_recorded"
_ids = itertools.count(1)


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    return data


def nested(form: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=1`) back into dicts (lists stay dicts by index)."""
    out: dict[str, Any] = {}
    for key, value in form:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends: t=<unix time>,v1=<HMAC-SHA256 of "t.body">."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class FakeStripe:
    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, dict[str, Any], str]] = []  # method, path, body, key
        self._replies: dict[str, tuple[int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.base = ""
        # Like Alipay or a bank debit: the hosted page completes, the money is confirmed later
        # (`checkout.session.async_payment_succeeded`), so only the webhook tells.
        self.settles_later = False

    # --- what Stripe would do --------------------------------------------------------------
    def create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        n = next(_ids)
        session = recorded("checkout_session")
        item = params["line_items"]["0"]
        amount = int(item["price_data"]["unit_amount"]) * int(item["quantity"])
        session.update(
            id=f"cs_test_{n:06d}",
            amount_subtotal=amount,
            amount_total=amount,
            currency=item["price_data"]["currency"],
            success_url=params["success_url"],
            cancel_url=params.get("cancel_url"),
            client_reference_id=params.get("client_reference_id"),
            metadata=params.get("metadata", {}),
            customer_email=params.get("customer_email"),
            payment_method_types=list(params.get("payment_method_types", {"0": "card"}).values()),
            expires_at=int(params["expires_at"]),
            url=f"{self.base}/pay/cs_test_{n:06d}",
        )
        session["_intent_metadata"] = params.get("payment_intent_data", {}).get("metadata", {})
        self.sessions[session["id"]] = session
        return session

    def pay(self, session_id: str, settled: bool = True) -> dict[str, Any]:
        """The customer paid on the hosted page (3-D Secure and all): complete, and paid unless
        the method settles later."""
        session = self.sessions[session_id]
        session.update(
            status="complete",
            payment_status="paid" if settled else "unpaid",
            payment_intent=f"pi_test_{session_id[-6:]}",
        )
        return session

    def public(self, session: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in session.items() if not k.startswith("_")}

    def event(self, kind: str, session_id: str, **changes: Any) -> dict[str, Any]:
        """A recorded event of `kind` about this session's payment."""
        session = self.sessions[session_id]
        event = recorded("event")
        event.update(id=f"evt_test_{next(_ids):06d}", type=kind, created=int(time.time()))
        intent = session.get("payment_intent") or f"pi_test_{session_id[-6:]}"
        if kind.startswith("checkout.session."):
            obj = copy.deepcopy(self.public(session))
        elif kind.startswith("payment_intent."):
            obj = recorded("payment_intent")
            obj.update(
                id=intent,
                amount=session["amount_total"],
                amount_received=session["amount_total"],
                currency=session["currency"],
                metadata=session["_intent_metadata"],
            )
        else:  # charge.*
            obj = recorded("charge_refunded")
            obj.update(
                id=f"ch_test_{session_id[-6:]}",
                amount=session["amount_total"],
                amount_captured=session["amount_total"],
                amount_refunded=session["amount_total"],
                currency=session["currency"],
                payment_intent=intent,
            )
        obj.update(changes)
        event["data"] = {"object": obj}
        return event

    # --- HTTP -------------------------------------------------------------------------------
    def handle(self, method: str, path: str, body: dict[str, Any], key: str) -> tuple[int, Any]:
        with self._lock:
            self.requests.append((method, path, body, key))
            if key and key in self._replies:
                return self._replies[key]
            reply = self._route(method, path, body)
            if key and method == "POST":
                self._replies[key] = reply
            return reply

    def _route(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self.public(self.create_session(body))
        if parts[:3] == ["v1", "checkout", "sessions"] and len(parts) >= 4:
            session = self.sessions.get(parts[3])
            if session is None:
                return 404, recorded("error_invalid_request")
            if method == "GET":
                return 200, self.public(session)
            if parts[4:] == ["expire"]:
                if session["status"] != "open":
                    return 400, recorded("error_invalid_request")
                session["status"] = "expired"
                return 200, self.public(session)
        if method == "POST" and path == "/v1/refunds":
            refund = recorded("refund")
            refund.update(
                id=f"re_test_{next(_ids):06d}",
                amount=int(body["amount"]),
                payment_intent=body["payment_intent"],
            )
            self.refunds.append(refund)
            return 200, refund
        return 404, recorded("error_invalid_request")


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _body(self) -> list[tuple[str, str]]:
            length = int(self.headers.get("Content-Length") or 0)
            return parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)

        def _reply(self, status: int, data: Any) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("Request-Id", f"req_test_{next(_ids):06d}")
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path.startswith("/pay/"):
                session = fake.sessions[url.path.split("/")[2]]
                page = (
                    "<!doctype html><title>Fake Stripe Checkout</title>"
                    f"<h1>Pay {session['amount_total']} {session['currency']}</h1>"
                    f'<form method="post"><button>Pay</button></form>'
                    f'<a href="{session["cancel_url"]}">Back</a>'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(page)
                return
            self._reply(*fake.handle("GET", url.path, {}, ""))

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            if url.path.startswith("/pay/"):
                session_id = url.path.split("/")[2]
                fake.pay(session_id, settled=not fake.settles_later)
                back = fake.sessions[session_id]["success_url"].replace(
                    "{CHECKOUT_SESSION_ID}", session_id
                )
                self.send_response(303)
                self.send_header("Location", back)
                self.end_headers()
                return
            key = self.headers.get("Idempotency-Key", "")
            self._reply(*fake.handle("POST", url.path, nested(self._body()), key))

    return Handler


@contextmanager
def running_fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


WEBHOOK_SECRET = "whsec_test_" + "5" * 32


def point_settings_at(
    settings: Any, fake: FakeStripe, methods: tuple[str, ...] = ("card",)
) -> None:
    """Make the shop use Stripe, through `fake` (pytest-django's `settings` fixture)."""
    settings.RAPPORT_PAYMENT_PROVIDER = "stripe"
    settings.RAPPORT_STRIPE_SECRET_KEY = "sk_test_rapport"
    settings.RAPPORT_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.RAPPORT_STRIPE_PAYMENT_METHOD_TYPES = list(methods)
    settings.RAPPORT_STRIPE_API_BASE = fake.base


def signed_event(event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    return body, stripe_signature(body, secret)
