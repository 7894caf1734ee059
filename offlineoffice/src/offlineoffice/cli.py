"""`offlineoffice` — the terminal UI by default; `enrol`, `sign-in`, `sync` and `status` too."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys

from offlineoffice import account
from offlineoffice.api import ApiError, Offline
from offlineoffice.i18n import _
from offlineoffice.office import Office
from offlineoffice.profile import Profile, default_data_dir


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="offlineoffice", description=_("Rapport offline client"))
    parser.add_argument("--data-dir", default=None, help=_("Profile directory"))
    commands = parser.add_subparsers(dest="command")
    enrol = commands.add_parser("enrol", help=_("Enrol this device with a one-time code"))
    enrol.add_argument("--server", required=True, help="e.g. http://127.0.0.1:8000")
    enrol.add_argument("--code", required=True)
    enrol.add_argument("--name", default=socket.gethostname())
    sign_in = commands.add_parser("sign-in", help=_("Sign in on this device"))
    sign_in.add_argument("--username", required=True)
    sign_in.add_argument("--otp", default=None)
    commands.add_parser("sync", help=_("Push the outbox, then pull what changed"))
    commands.add_parser("status", help=_("Show the device, the outbox and conflicts"))
    commands.add_parser("ui", help=_("Start the terminal UI (the default)"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data_dir = args.data_dir or default_data_dir()
    try:
        if args.command == "enrol":
            answer = account.enrol(
                Profile(data_dir), server=args.server, code=args.code, name=args.name
            )
            print(
                _("Enrolled as device {device} for {person}.").format(
                    device=answer["device_id"], person=(answer.get("person") or {}).get("email", "")
                )
            )
            return 0
        if not Profile(data_dir).enrolled:
            print(
                _("This device is not enrolled yet: run `offlineoffice enrol` first."),
                file=sys.stderr,
            )
            return 2
        office = Office.open(data_dir)
        try:
            if args.command == "sign-in":
                password = getpass.getpass(_("Password: "))
                user = office.sign_in(args.username, password, args.otp)["user"]
                print(_("Signed in as {name}.").format(name=user.get("name") or user.get("email")))
            elif args.command == "sync":
                report = office.sync()
                print(
                    _(
                        "Sent {pushed} (applied {applied}, conflicts {conflicts}, "
                        "refused {rejected}); received {pulled}."
                    ).format(
                        pushed=report.pushed,
                        applied=report.applied,
                        conflicts=report.conflicts,
                        rejected=report.rejected,
                        pulled=report.pulled,
                    )
                )
                for error in report.errors:
                    print(error, file=sys.stderr)
                return 0 if report.ok else 1
            elif args.command == "status":
                print(
                    _("Device {device} on {server}").format(
                        device=office.profile.device_id, server=office.profile.server
                    )
                )
                print(_("Outbox: {count} pending").format(count=office.store.outbox_count()))
                print(_("Conflicts: {count}").format(count=len(office.store.conflicts())))
            else:
                from offlineoffice.ui.app import OfflineOfficeApp

                OfflineOfficeApp(office).run()
        finally:
            office.close()
    except ApiError as exc:
        print(f"{exc.status} {exc.kind}: {exc.detail}", file=sys.stderr)
        return 1
    except Offline as exc:
        print(_("The server cannot be reached: {error}").format(error=exc), file=sys.stderr)
        return 1
    return 0
