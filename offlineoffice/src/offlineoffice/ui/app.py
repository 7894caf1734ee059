"""OfflineOffice's Textual app: sign in, then tabs for the catalogue, customers, draft orders,
quotes, notes, messages, the outbox and conflicts; a status bar with the online/offline
indicator and the outbox count; Sync (ctrl+s) pushes the outbox, then pulls."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import partial
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    Static,
    TabbedContent,
    TabPane,
)

from offlineoffice.api import ApiError, Offline
from offlineoffice.i18n import _
from offlineoffice.office import Office
from offlineoffice.store import Conflict
from offlineoffice.sync import SyncReport
from offlineoffice.ui.lines import LinesResult, LinesScreen
from offlineoffice.workbench import InvalidInput, latest_version, product_id_of

STATUS_NAMES = {
    "draft": "Draft",
    "open": "Open",
    "sent": "Sent",
    "countered": "Countered",
    "accepted": "Accepted",
    "declined": "Declined",
    "placing": "Placing",
    "placed": "Placed",
    "discarded": "Discarded",
    "withdrawn": "Withdrawn",
    "expired": "Expired",
}


def status_text(value: Any) -> str:
    return _(STATUS_NAMES.get(str(value), str(value or "")))


def short(value: Any) -> str:
    return str(value or "")[:8]


def table_key(table: DataTable) -> str | None:
    """The key of the highlighted row, if any."""
    if not table.row_count:
        return None
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


class SignInScreen(Screen[None]):
    def __init__(self, office: Office) -> None:
        super().__init__()
        self.office = office

    def compose(self) -> ComposeResult:
        with Vertical(id="signin-form"):
            yield Label(_("Sign in to {server}").format(server=self.office.profile.server))
            yield Input(placeholder=_("Email"), id="username")
            yield Input(placeholder=_("Password"), password=True, id="password")
            yield Input(
                placeholder=_("Authenticator code (staff, or if you turned it on)"), id="otp"
            )
            yield Static("", id="signin-error", classes="error")
            yield Button(_("Sign in"), id="sign-in", variant="primary")

    @on(Button.Pressed, "#sign-in")
    @on(Input.Submitted)
    def sign_in(self) -> None:
        self.query_one("#signin-error", Static).update(_("Signing in…"))
        # The app runs it (not this screen): the screen is replaced when it succeeds.
        self.app.run_worker(
            partial(
                self._sign_in,
                self.query_one("#username", Input).value.strip(),
                self.query_one("#password", Input).value,
                self.query_one("#otp", Input).value.strip() or None,
            ),
            thread=True,
            exclusive=True,
            group="sign-in",
        )

    def _sign_in(self, username: str, password: str, otp: str | None) -> None:
        try:
            self.office.sign_in(username, password, otp)
        except Offline:
            self.app.call_from_thread(self._failed, _("The server cannot be reached."))
            return
        except ApiError as exc:
            self.app.call_from_thread(self._failed, exc.detail or _("Sign-in refused."))
            return
        self.app.call_from_thread(self.app.signed_in)  # type: ignore[attr-defined]

    def _failed(self, message: str) -> None:
        self.query_one("#signin-error", Static).update(message)


class MainScreen(Screen[None]):
    BINDINGS = [
        ("ctrl+s", "sync", _("Sync")),
        ("ctrl+n", "new", _("New")),
        ("f5", "refresh", _("Refresh")),
    ]

    def __init__(self, office: Office) -> None:
        super().__init__()
        self.office = office

    @property
    def staff(self) -> bool:
        return bool(self.office.user.get("is_staff"))

    def compose(self) -> ComposeResult:
        with Horizontal(id="statusbar"):
            yield Static("", id="online")
            yield Static("", id="outbox-count")
            yield Static("", id="conflict-count")
            yield Static(
                self.office.user.get("name") or self.office.user.get("email", ""), id="who"
            )
            yield Static("", id="sync-state")
        with TabbedContent(id="tabs"):
            with TabPane(_("Catalogue"), id="tab-catalogue"):
                yield Input(placeholder=_("Search the catalogue"), id="search")
                yield DataTable(id="products", cursor_type="row")
            if self.staff:
                with TabPane(_("Customers"), id="tab-customers"):
                    yield DataTable(id="customers", cursor_type="row")
            with TabPane(_("Draft orders"), id="tab-drafts"):
                with Horizontal(classes="toolbar"):
                    yield Button(_("New draft"), id="draft-new", variant="primary")
                    yield Button(_("Edit"), id="draft-edit")
                    yield Button(_("Place order"), id="draft-place")
                    yield Button(_("Discard"), id="draft-discard")
                yield DataTable(id="drafts", cursor_type="row")
            with TabPane(_("Quotes"), id="tab-quotes"):
                with Horizontal(classes="toolbar"):
                    if self.staff:
                        yield Button(_("New quote"), id="quote-new", variant="primary")
                    yield Button(_("Counter-offer"), id="quote-counter")
                    yield Button(_("Accept"), id="quote-accept")
                    yield Button(_("Decline"), id="quote-decline")
                yield DataTable(id="quotes", cursor_type="row")
                yield Static("", id="quote-versions", classes="versions")
            if self.staff:
                with TabPane(_("Notes"), id="tab-notes"):
                    yield Input(
                        placeholder=_("New note on the highlighted customer"), id="note-body"
                    )
                    yield Button(_("Add note"), id="note-add")
                    yield DataTable(id="notes", cursor_type="row")
            with TabPane(_("Messages"), id="tab-messages"):
                yield DataTable(id="conversations", cursor_type="row")
                yield Static("", id="thread")
                with Horizontal(classes="toolbar"):
                    yield Input(placeholder=_("Write a message"), id="message-body")
                    yield Button(_("Send"), id="message-send")
            with TabPane(_("Outbox"), id="tab-outbox"):
                yield Button(_("Sync now"), id="sync", variant="primary")
                yield DataTable(id="outbox", cursor_type="row")
                yield Label(_("Refused by the server"))
                yield DataTable(id="refused", cursor_type="row")
            with TabPane(_("Conflicts"), id="tab-conflicts"):
                yield DataTable(id="conflicts", cursor_type="row")
                with Horizontal(classes="pane-body"):
                    with Vertical(classes="side"):
                        yield Label(_("Mine"))
                        yield Static("", id="conflict-mine")
                    with Vertical(classes="side"):
                        yield Label(_("Theirs (the server's current version)"))
                        yield Static("", id="conflict-theirs")
                with Horizontal(classes="toolbar"):
                    yield Button(_("Keep theirs"), id="conflict-keep")
                    yield Button(_("Re-apply mine on the current version"), id="conflict-reapply")
        yield Footer()

    def on_mount(self) -> None:
        columns = {
            "#products": (_("SKU"), _("Product"), _("Price"), _("In stock")),
            "#drafts": (_("Draft"), _("Customer"), _("Lines"), _("Status"), _("Pending")),
            "#quotes": (_("Quote"), _("Customer"), _("Version"), _("Status"), _("Pending")),
            "#conversations": (_("Conversation"), _("Status")),
            "#outbox": (_("Operation"), _("Made at"), _("Attempts"), _("Last error")),
            "#refused": (_("Operation"), _("Reason")),
            "#conflicts": (_("Operation"), _("Object"), _("Reason")),
        }
        if self.staff:
            columns["#customers"] = (_("Name"), _("Email"), _("City"), _("VIP"))
            columns["#notes"] = (_("Note"), _("Customer"), _("Pending"))
        for selector, names in columns.items():
            self.query_one(selector, DataTable).add_columns(*names)
        self.refresh_all()
        self.set_online(None)
        self.set_interval(15, self.check_online)
        self.check_online()

    # --- showing ---------------------------------------------------------------------------

    def _customer_name(self, customer_id: Any) -> str:
        if isinstance(customer_id, dict):
            return str(customer_id.get("name") or customer_id.get("email") or "")
        customer = self.office.store.get("customer", str(customer_id)) if customer_id else None
        return str((customer or {}).get("name") or short(customer_id))

    def refresh_all(self) -> None:
        store = self.office.store
        self._fill_products()
        if self.staff:
            customers = self.query_one("#customers", DataTable)
            customers.clear()
            for c in store.all("customer"):
                customers.add_row(
                    c.get("name", ""),
                    c.get("email", ""),
                    c.get("city", ""),
                    "★" if c.get("is_vip") else "",
                    key=c["id"],
                )
            notes = self.query_one("#notes", DataTable)
            notes.clear()
            for n in store.all("note"):
                notes.add_row(
                    n.get("body", "")[:60],
                    self._customer_name(n.get("customer")),
                    "⏳" if store.is_pending("note", n["id"]) else "",
                    key=n["id"],
                )
        drafts = self.query_one("#drafts", DataTable)
        drafts.clear()
        for d in store.all("draft_order"):
            drafts.add_row(
                short(d["id"]),
                self._customer_name(d.get("customer_id") or d.get("customer")),
                str(len(d.get("lines") or [])),
                status_text(d.get("status")),
                "⏳" if store.is_pending("draft_order", d["id"]) else "",
                key=d["id"],
            )
        quotes = self.query_one("#quotes", DataTable)
        quotes.clear()
        for q in store.all("quote"):
            quotes.add_row(
                q.get("number") or short(q["id"]),
                self._customer_name(q.get("customer_id") or q.get("customer")),
                str(latest_version(q)),
                status_text(q.get("status")),
                "⏳" if store.is_pending("quote", q["id"]) else "",
                key=q["id"],
            )
        conversations = self.query_one("#conversations", DataTable)
        conversations.clear()
        for c in store.all("conversation"):
            conversations.add_row(
                c.get("title") or short(c["id"]), c.get("status", ""), key=c["id"]
            )
        outbox = self.query_one("#outbox", DataTable)
        outbox.clear()
        for op in store.pending(1000):
            outbox.add_row(
                _(op.kind), op.created_at, str(op.attempts), op.last_error or "", key=op.id
            )
        refused = self.query_one("#refused", DataTable)
        refused.clear()
        for r in store.refusals():
            refused.add_row(_(r.kind), r.detail or "", key=r.op_id)
        conflicts = self.query_one("#conflicts", DataTable)
        conflicts.clear()
        for conflict in store.conflicts():
            conflicts.add_row(
                _(conflict.kind),
                short(conflict.object_id),
                conflict.detail or "",
                key=conflict.op_id,
            )
        self.query_one("#outbox-count", Static).update(
            _("Outbox: {count} pending").format(count=store.outbox_count())
        )
        self.query_one("#conflict-count", Static).update(
            _("Conflicts: {count}").format(count=len(store.conflicts()))
        )
        self.show_quote()
        self.show_thread()
        self.show_conflict()

    def _fill_products(self) -> None:
        query = self.query_one("#search", Input).value.strip().lower()
        table = self.query_one("#products", DataTable)
        table.clear()
        for p in self.office.store.all("product"):
            text = f"{p.get('sku', '')} {p.get('name', '')}".lower()
            if query and query not in text:
                continue
            table.add_row(
                p.get("sku", ""),
                p.get("name", ""),
                f"{p.get('price', '')} {p.get('currency', '')}".strip(),
                str(p.get("in_stock", "")),
                key=p["id"],
            )

    @on(Input.Changed, "#search")
    def search(self) -> None:
        self._fill_products()

    def set_online(self, online: bool | None) -> None:
        label = self.query_one("#online", Static)
        label.remove_class("online", "offline")
        if online is None:
            label.update(_("… checking"))
        elif online:
            label.update("● " + _("Online"))
            label.add_class("online")
        else:
            label.update("○ " + _("Offline"))
            label.add_class("offline")
        self.online = online

    @work(thread=True, exclusive=True, group="ping")
    def check_online(self) -> None:
        online = self.office.reachable()
        self.app.call_from_thread(self.set_online, online)

    @on(DataTable.RowHighlighted, "#quotes")
    def show_quote(self) -> None:
        quote_id = table_key(self.query_one("#quotes", DataTable))
        quote = self.office.store.get("quote", quote_id) if quote_id else None
        if quote is None:
            self.query_one("#quote-versions", Static).update("")
            return
        rows = []
        for version in quote.get("versions") or []:
            number = version.get("number") or version.get("version")
            lines = ", ".join(
                f"{(self.office.store.get('product', product_id_of(line)) or {}).get('sku', '?')}"
                f" x{line.get('quantity')} @ {line.get('unit_price', '')}"
                for line in version.get("lines") or []
            )
            rows.append(f"v{number}: {lines}  {version.get('note') or ''}")
        self.query_one("#quote-versions", Static).update("\n".join(rows))

    @on(DataTable.RowHighlighted, "#conversations")
    def show_thread(self) -> None:
        conversation_id = table_key(self.query_one("#conversations", DataTable))
        lines = []
        for m in self.office.store.all("message"):
            if str(m.get("conversation_id") or m.get("conversation")) != str(conversation_id):
                continue
            mark = " ⏳" if m.get("pending") else ""
            lines.append(f"{m.get('author', '')}: {m.get('body', '')}{mark}")
        self.query_one("#thread", Static).update("\n".join(lines[-30:]))

    @on(DataTable.RowHighlighted, "#conflicts")
    def show_conflict(self) -> None:
        conflict = self._conflict()
        self.query_one("#conflict-mine", Static).update(
            json.dumps(conflict.mine, indent=1, ensure_ascii=False) if conflict else ""
        )
        self.query_one("#conflict-theirs", Static).update(
            json.dumps(conflict.theirs, indent=1, ensure_ascii=False) if conflict else ""
        )

    def _conflict(self) -> Conflict | None:
        key = table_key(self.query_one("#conflicts", DataTable))
        return next((c for c in self.office.store.conflicts() if c.op_id == key), None)

    def notify_error(self, message: str) -> None:
        self.notify(message, severity="error")

    # --- sync ------------------------------------------------------------------------------

    @on(Button.Pressed, "#sync")
    def action_sync(self) -> None:
        self.query_one("#sync-state", Static).update(_("Syncing…"))
        self.run_sync()

    @work(thread=True, exclusive=True, group="sync")
    def run_sync(self) -> SyncReport:
        report = self.office.sync()
        self.app.call_from_thread(self.synced, report)
        return report

    def synced(self, report: SyncReport) -> None:
        if report.needs_sign_in:
            self.office.store.set_meta("session_token", None)
            self.app.switch_screen(SignInScreen(self.office))
            return
        offline = any(error.startswith("offline") for error in report.errors)
        self.set_online(not offline)
        if report.ok:
            message = _(
                "Synced: {applied} applied, {conflicts} conflicts, {rejected} refused."
            ).format(applied=report.applied, conflicts=report.conflicts, rejected=report.rejected)
        elif offline:
            message = _("Offline: the outbox waits for the next sync.")
        else:
            message = _("Sync failed: {error}").format(error=report.errors[0])
        self.query_one("#sync-state", Static).update(message)
        self.refresh_all()

    def action_refresh(self) -> None:
        self.refresh_all()

    # --- actions ---------------------------------------------------------------------------

    def _run(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = action(*args, **kwargs)
        except InvalidInput as exc:
            self.notify_error(_(str(exc)))
            return None
        self.refresh_all()
        return result

    def _own_customer_id(self) -> str | None:
        customers = self.office.store.all("customer")
        return customers[0]["id"] if len(customers) == 1 and not self.staff else None

    def action_new(self) -> None:
        active = self.query_one("#tabs", TabbedContent).active
        if active == "tab-quotes" and self.staff:
            self.new_quote()
        else:
            self.new_draft()

    @on(Button.Pressed, "#draft-new")
    def new_draft(self) -> None:
        def saved(result: LinesResult | None) -> None:
            if result is not None:
                self._run(
                    self.office.workbench.save_draft,
                    customer_id=result.customer_id or "",
                    lines=result.lines,
                    note=result.note,
                )

        self.app.push_screen(
            LinesScreen(
                self.office.store,
                title=_("New draft order"),
                priced=False,
                choose_customer=self.staff,
                customer_id=self._own_customer_id(),
            ),
            saved,
        )

    @on(Button.Pressed, "#draft-edit")
    def edit_draft(self) -> None:
        draft_id = table_key(self.query_one("#drafts", DataTable))
        draft = self.office.store.get("draft_order", draft_id) if draft_id else None
        if draft is None:
            return
        customer_id = draft.get("customer_id") or (draft.get("customer") or {}).get("id")

        def saved(result: LinesResult | None) -> None:
            if result is not None:
                self._run(
                    self.office.workbench.save_draft,
                    draft_id=draft_id,
                    customer_id=result.customer_id or customer_id or "",
                    lines=result.lines,
                    note=result.note,
                )

        self.app.push_screen(
            LinesScreen(
                self.office.store,
                title=_("Edit draft order"),
                priced=False,
                choose_customer=self.staff,
                customer_id=customer_id,
                lines=draft.get("lines"),
                note=draft.get("note") or "",
            ),
            saved,
        )

    @on(Button.Pressed, "#draft-place")
    def place_draft(self) -> None:
        if draft_id := table_key(self.query_one("#drafts", DataTable)):
            self._run(self.office.workbench.place_draft, draft_id)

    @on(Button.Pressed, "#draft-discard")
    def discard_draft(self) -> None:
        if draft_id := table_key(self.query_one("#drafts", DataTable)):
            self._run(self.office.workbench.discard_draft, draft_id)

    @on(Button.Pressed, "#quote-new")
    def new_quote(self) -> None:
        def saved(result: LinesResult | None) -> None:
            if result is not None:
                valid = result.valid_until or (date.today() + timedelta(days=14)).isoformat()
                self._run(
                    self.office.workbench.create_quote,
                    customer_id=result.customer_id or "",
                    lines=result.lines,
                    valid_until=valid,
                    note=result.note,
                )

        self.app.push_screen(
            LinesScreen(
                self.office.store,
                title=_("New quote"),
                priced=True,
                choose_customer=True,
                ask_valid_until=True,
            ),
            saved,
        )

    @on(Button.Pressed, "#quote-counter")
    def counter_quote(self) -> None:
        quote_id = table_key(self.query_one("#quotes", DataTable))
        quote = self.office.store.get("quote", quote_id) if quote_id else None
        if quote is None:
            return
        versions = quote.get("versions") or [{}]
        latest = max(versions, key=lambda v: int(v.get("number") or v.get("version") or 0))

        def saved(result: LinesResult | None) -> None:
            if result is not None:
                self._run(
                    self.office.workbench.counter_quote,
                    quote_id,
                    lines=result.lines,
                    note=result.note,
                )

        self.app.push_screen(
            LinesScreen(
                self.office.store,
                title=_("Counter-offer"),
                priced=True,
                choose_customer=False,
                lines=latest.get("lines"),
            ),
            saved,
        )

    @on(Button.Pressed, "#quote-accept")
    def accept_quote(self) -> None:
        if quote_id := table_key(self.query_one("#quotes", DataTable)):
            self._run(self.office.workbench.accept_quote, quote_id)

    @on(Button.Pressed, "#quote-decline")
    def decline_quote(self) -> None:
        if quote_id := table_key(self.query_one("#quotes", DataTable)):
            self._run(self.office.workbench.decline_quote, quote_id)

    @on(Button.Pressed, "#note-add")
    @on(Input.Submitted, "#note-body")
    def add_note(self) -> None:
        body = self.query_one("#note-body", Input)
        customer_id = table_key(self.query_one("#customers", DataTable))
        if self._run(self.office.workbench.add_note, body=body.value, customer_id=customer_id):
            body.value = ""

    @on(Button.Pressed, "#message-send")
    @on(Input.Submitted, "#message-body")
    def send_message(self) -> None:
        conversation_id = table_key(self.query_one("#conversations", DataTable))
        body = self.query_one("#message-body", Input)
        if conversation_id is None:
            self.notify_error(_("Choose a conversation."))
            return
        if self._run(self.office.workbench.post_message, conversation_id, body.value):
            body.value = ""

    @on(Button.Pressed, "#conflict-keep")
    def keep_theirs(self) -> None:
        if conflict := self._conflict():
            self._run(self.office.workbench.keep_theirs, conflict)

    @on(Button.Pressed, "#conflict-reapply")
    def reapply_mine(self) -> None:
        if conflict := self._conflict():
            self._run(self.office.workbench.reapply_mine, conflict)


class OfflineOfficeApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "OfflineOffice"

    def __init__(self, office: Office) -> None:
        super().__init__()
        self.office = office

    def on_mount(self) -> None:
        self.title = _("OfflineOffice")
        if self.office.signed_in:
            self.push_screen(MainScreen(self.office))
        else:
            self.push_screen(SignInScreen(self.office))

    async def signed_in(self) -> None:
        await self.switch_screen(MainScreen(self.office))
        self.main.action_sync()

    @property
    def main(self) -> MainScreen:
        screen = self.screen
        assert isinstance(screen, MainScreen)
        return screen
