"""What the user does, offline or not: each action queues one operation in the outbox (with its
client-made id) and shows its effect in the local store at once. Sync sends it later.

Versions: a draft order's `base_version` is the version this device last saw; a save made on top
of an unconfirmed save counts on that save becoming the next version (the server numbers them
1, 2, 3 …); if the server disagrees it answers `conflict` and the user chooses. A quote's
counter-offer or acceptance answers the latest version this device has seen.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from offlineoffice.store import Conflict, LocalStore, new_id


class InvalidInput(ValueError):
    """A value the user typed cannot become an operation (shown as is)."""


@dataclass(frozen=True)
class Line:
    product_id: str
    quantity: int
    unit_price: str | None = None


def product_id_of(line: dict[str, Any]) -> str:
    product = line.get("product")
    if isinstance(product, dict):
        return str(product.get("id"))
    return str(line.get("product_id") or product or "")


def latest_version(quote: dict[str, Any]) -> int:
    """The number of a quote's latest version, whatever the server calls it."""
    for key in ("latest_version", "version", "current_version"):
        value = quote.get(key)
        if isinstance(value, int):
            return value
        if isinstance(value, dict) and isinstance(value.get("number"), int):
            return int(value["number"])
    numbers = [int(v.get("number") or v.get("version") or 0) for v in quote.get("versions") or []]
    return max(numbers, default=1)


def _quantity(value: Any) -> int:
    try:
        quantity = int(str(value).strip())
    except ValueError as exc:
        raise InvalidInput("Quantity must be a whole number.") from exc
    if quantity < 1:
        raise InvalidInput("Quantity must be at least 1.")
    return quantity


def _price(value: Any) -> str:
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise InvalidInput("Price must be an amount like 12.50.") from exc
    if not price.is_finite() or price < 0:
        raise InvalidInput("Price must be an amount like 12.50.")
    return str(price.quantize(Decimal("0.01")))


class Workbench:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    @property
    def user(self) -> dict[str, Any]:
        return dict(self.store.get_meta("user") or {})

    def _lines(self, lines: list[Line], *, priced: bool) -> list[dict[str, Any]]:
        if not lines:
            raise InvalidInput("Add at least one line.")
        result = []
        for line in lines:
            product = self.store.get("product", line.product_id)
            if product is None:
                raise InvalidInput("Unknown product.")
            entry: dict[str, Any] = {
                "product_id": line.product_id,
                "quantity": _quantity(line.quantity),
            }
            if priced:
                entry["unit_price"] = _price(
                    line.unit_price if line.unit_price is not None else product.get("price")
                )
            result.append(entry)
        return result

    def _describe(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Lines as shown locally: with the product's sku and name."""
        shown = []
        for line in lines:
            product = self.store.get("product", line["product_id"]) or {}
            shown.append({**line, "sku": product.get("sku", ""), "name": product.get("name", "")})
        return shown

    # --- draft orders ----------------------------------------------------------------------

    def save_draft(
        self, *, customer_id: str, lines: list[Line], note: str = "", draft_id: str | None = None
    ) -> str:
        """Create (no draft_id) or change a draft order; returns its id."""
        payload_lines = self._lines(lines, priced=False)
        draft_id = draft_id or new_id()
        current = self.store.get("draft_order", draft_id)
        unsent = [
            op
            for op in self.store.pending_for("draft_order", draft_id)
            if op.kind == "draft_order.save" and op.attempts == 0
        ]
        base_version = None if current is None else current.get("version")
        view = {
            **(current or {}),
            "id": draft_id,
            "customer_id": customer_id,
            "lines": self._describe(payload_lines),
            "note": note,
            "status": "open",
        }
        if unsent and unsent[-1] == self.store.pending_for("draft_order", draft_id)[-1]:
            # Never sent: change it in place (one operation instead of two).
            op = unsent[-1]
            payload = {
                **op.payload,
                "customer_id": customer_id,
                "lines": payload_lines,
                "note": note,
            }
            view["version"] = current.get("version") if current else 1
            if self.store.replace_unsent(op.id, payload, view):
                return draft_id
        payload = {
            "draft_id": draft_id,
            "customer_id": customer_id,
            "lines": payload_lines,
            "note": note,
            "base_version": base_version,
        }
        view["version"] = (base_version or 0) + 1
        self.store.enqueue(
            "draft_order.save",
            payload,
            object_type="draft_order",
            object_id=draft_id,
            local_view=view,
        )
        return draft_id

    def place_draft(self, draft_id: str) -> str:
        draft = self._existing("draft_order", draft_id)
        payload = {"draft_id": draft_id, "base_version": draft.get("version")}
        view = {**draft, "status": "placing"}
        return self.store.enqueue(
            "draft_order.place",
            payload,
            object_type="draft_order",
            object_id=draft_id,
            local_view=view,
        )

    def discard_draft(self, draft_id: str) -> str:
        draft = self._existing("draft_order", draft_id)
        payload = {"draft_id": draft_id, "base_version": draft.get("version")}
        view = {**draft, "status": "discarded"}
        return self.store.enqueue(
            "draft_order.discard",
            payload,
            object_type="draft_order",
            object_id=draft_id,
            local_view=view,
        )

    # --- quotes ----------------------------------------------------------------------------

    def create_quote(
        self, *, customer_id: str, lines: list[Line], valid_until: str, note: str = ""
    ) -> str:
        payload_lines = self._lines(lines, priced=True)
        quote_id = new_id()
        payload = {
            "quote_id": quote_id,
            "customer_id": customer_id,
            "lines": payload_lines,
            "valid_until": valid_until,
            "note": note,
        }
        view = {
            "id": quote_id,
            "customer_id": customer_id,
            "status": "sent",
            "valid_until": valid_until,
            "latest_version": 1,
            "versions": [{"number": 1, "lines": self._describe(payload_lines), "note": note}],
        }
        self.store.enqueue(
            "quote.create", payload, object_type="quote", object_id=quote_id, local_view=view
        )
        return quote_id

    def counter_quote(self, quote_id: str, *, lines: list[Line], note: str = "") -> str:
        quote = self._existing("quote", quote_id)
        answering = latest_version(quote)
        payload_lines = self._lines(lines, priced=True)
        payload = {
            "quote_id": quote_id,
            "answering": answering,
            "lines": payload_lines,
            "note": note,
        }
        view = copy.deepcopy(quote)
        versions = list(view.get("versions") or [])
        versions.append(
            {"number": answering + 1, "lines": self._describe(payload_lines), "note": note}
        )
        view.update(versions=versions, latest_version=answering + 1, status="countered")
        return self.store.enqueue(
            "quote.counter", payload, object_type="quote", object_id=quote_id, local_view=view
        )

    def accept_quote(self, quote_id: str) -> str:
        quote = self._existing("quote", quote_id)
        payload = {"quote_id": quote_id, "answering": latest_version(quote)}
        return self.store.enqueue(
            "quote.accept",
            payload,
            object_type="quote",
            object_id=quote_id,
            local_view={**quote, "status": "accepted"},
        )

    def decline_quote(self, quote_id: str, note: str = "") -> str:
        quote = self._existing("quote", quote_id)
        return self.store.enqueue(
            "quote.decline",
            {"quote_id": quote_id, "note": note},
            object_type="quote",
            object_id=quote_id,
            local_view={**quote, "status": "declined"},
        )

    # --- notes and messages ----------------------------------------------------------------

    def add_note(
        self,
        *,
        body: str,
        customer_id: str | None = None,
        order_id: str | None = None,
        to_user_id: str | None = None,
    ) -> str:
        if not body.strip():
            raise InvalidInput("Write something first.")
        note_id = new_id()
        payload = {
            "note_id": note_id,
            "customer_id": customer_id,
            "order_id": order_id,
            "body": body.strip(),
            "to_user_id": to_user_id,
        }
        view = {"id": note_id, "body": body.strip(), "customer": customer_id, "order": order_id}
        self.store.enqueue(
            "note.create", payload, object_type="note", object_id=note_id, local_view=view
        )
        return note_id

    def post_message(self, conversation_id: str, body: str) -> str:
        if not body.strip():
            raise InvalidInput("Write something first.")
        op_id = new_id()
        view = {
            "id": op_id,
            "conversation_id": conversation_id,
            "body": body.strip(),
            "author": self.user.get("name", ""),
            "pending": True,
        }
        # The message's own row is a placeholder keyed by the operation's id; the server's
        # message replaces it at the next pull.
        self.store.enqueue(
            "message.post",
            {"conversation_id": conversation_id, "body": body.strip()},
            object_type="message",
            object_id=op_id,
            local_view=view,
            op_id=op_id,
        )
        return op_id

    # --- conflicts -------------------------------------------------------------------------

    def keep_theirs(self, conflict: Conflict) -> None:
        self.store.resolve_conflict(conflict.op_id, "kept_theirs")

    def reapply_mine(self, conflict: Conflict) -> str:
        """Queue my change again, now answering the server's current version (a new op id)."""
        theirs = conflict.theirs or {}
        payload = dict(conflict.payload)
        if "base_version" in payload:
            payload["base_version"] = theirs.get("version")
        if "answering" in payload:
            payload["answering"] = latest_version(theirs)
        view = dict(conflict.mine or theirs)
        if conflict.kind == "draft_order.save":
            view["version"] = int(theirs.get("version") or 0) + 1
        with self.store.transaction():
            op_id = self.store.enqueue(
                conflict.kind,
                payload,
                object_type=conflict.object_type,
                object_id=conflict.object_id,
                local_view=view,
            )
            self.store.resolve_conflict(conflict.op_id, "reapplied")
        return op_id

    def _existing(self, type_: str, id_: str) -> dict[str, Any]:
        found = self.store.get(type_, id_)
        if found is None:
            raise InvalidInput("Not found on this device.")
        return found
