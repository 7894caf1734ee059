"""The lines editor: a draft order's or a quote's lines (product, quantity; price for quotes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from offlineoffice.i18n import _
from offlineoffice.store import LocalStore
from offlineoffice.workbench import Line, product_id_of


@dataclass
class LinesResult:
    customer_id: str | None
    lines: list[Line]
    note: str
    valid_until: str


class LinesScreen(ModalScreen[LinesResult | None]):
    """Edit lines; dismisses with a LinesResult (Save) or None (Cancel / Escape)."""

    BINDINGS = [("escape", "cancel", _("Cancel"))]

    def __init__(
        self,
        store: LocalStore,
        *,
        title: str,
        priced: bool,
        choose_customer: bool,
        lines: list[dict[str, Any]] | None = None,
        customer_id: str | None = None,
        note: str = "",
        ask_valid_until: bool = False,
    ) -> None:
        super().__init__()
        self.store = store
        self.title_text = title
        self.priced = priced
        self.choose_customer = choose_customer
        self.ask_valid_until = ask_valid_until
        self.customer_id = customer_id
        self.note = note
        self.lines: list[Line] = []
        for line in lines or []:
            self.lines.append(
                Line(
                    product_id=product_id_of(line),
                    quantity=int(line.get("quantity") or 1),
                    unit_price=str(line["unit_price"]) if line.get("unit_price") else None,
                )
            )

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="lines-title")
            if self.choose_customer:
                options = [
                    (c.get("name") or c.get("email") or c["id"], c["id"])
                    for c in self.store.all("customer")
                ]
                yield Select(
                    options,
                    prompt=_("Customer"),
                    id="customer",
                    value=self.customer_id if self.customer_id else Select.NULL,
                )
            yield DataTable(id="lines", cursor_type="row")
            with Horizontal(classes="toolbar"):
                yield Input(placeholder=_("SKU"), id="sku")
                yield Input(placeholder=_("Quantity"), id="quantity", value="1")
                if self.priced:
                    yield Input(placeholder=_("Unit price"), id="price")
            with Horizontal(classes="toolbar"):
                yield Button(_("Add line"), id="add-line")
                yield Button(_("Remove line"), id="remove-line")
            if self.ask_valid_until:
                yield Input(placeholder=_("Valid until (YYYY-MM-DD)"), id="valid-until")
            yield Input(placeholder=_("Note"), id="note", value=self.note)
            yield Static("", id="lines-error", classes="error")
            with Horizontal(classes="toolbar"):
                yield Button(_("Save"), id="save", variant="primary")
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        table = self.query_one("#lines", DataTable)
        table.add_columns(
            _("SKU"), _("Product"), _("Quantity"), *([_("Unit price")] if self.priced else [])
        )
        self._show_lines()

    def _show_lines(self) -> None:
        table = self.query_one("#lines", DataTable)
        table.clear()
        for index, line in enumerate(self.lines):
            product = self.store.get("product", line.product_id) or {}
            cells = [product.get("sku", ""), product.get("name", ""), str(line.quantity)]
            if self.priced:
                cells.append(line.unit_price or str(product.get("price", "")))
            table.add_row(*cells, key=str(index))

    def _error(self, message: str) -> None:
        self.query_one("#lines-error", Static).update(message)

    @on(Button.Pressed, "#add-line")
    @on(Input.Submitted, "#sku, #quantity, #price")
    def add_line(self) -> None:
        sku = self.query_one("#sku", Input).value.strip()
        match = [p for p in self.store.all("product") if p.get("sku", "").lower() == sku.lower()]
        if not sku or not match:
            self._error(_("Unknown product."))
            return
        try:
            quantity = int(self.query_one("#quantity", Input).value.strip())
        except ValueError:
            self._error(_("Quantity must be a whole number."))
            return
        price = None
        if self.priced:
            price = self.query_one("#price", Input).value.strip() or str(match[0].get("price", ""))
        self.lines.append(Line(product_id=str(match[0]["id"]), quantity=quantity, unit_price=price))
        self.query_one("#sku", Input).value = ""
        self._error("")
        self._show_lines()

    @on(Button.Pressed, "#remove-line")
    def remove_line(self) -> None:
        table = self.query_one("#lines", DataTable)
        if self.lines and table.row_count:
            del self.lines[table.cursor_row]
            self._show_lines()

    @on(Button.Pressed, "#save")
    def save(self) -> None:
        customer_id = self.customer_id
        if self.choose_customer:
            value = self.query_one("#customer", Select).value
            customer_id = None if value is Select.NULL else str(value)
            if customer_id is None:
                self._error(_("Choose a customer."))
                return
        if not self.lines:
            self._error(_("Add at least one line."))
            return
        valid_until = (
            self.query_one("#valid-until", Input).value.strip() if self.ask_valid_until else ""
        )
        self.dismiss(
            LinesResult(
                customer_id=customer_id,
                lines=list(self.lines),
                note=self.query_one("#note", Input).value,
                valid_until=valid_until,
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
