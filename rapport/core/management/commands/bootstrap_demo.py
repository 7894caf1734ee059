"""Make a fresh installation show something: demo data when the store is empty, demo accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rapport.accounts.models import User
from rapport.accounts.roles import EMPLOYEE, MANAGER
from rapport.catalog.models import Product
from rapport.customers.models import Customer

ONLINE_RETAIL_FILE = Path("online_retail") / "online_retail_2010_2011.csv.gz"
OLIST_DIR = Path("olist")
# The demo's Olist side: the orders of the last month of the tables (about 6,700, with their
# customers, sellers' routes and delivery outcomes); `--olist-from 2016-01-01` imports all.
OLIST_DEMO_FROM = "2018-05-01"

DEMO_ACCOUNTS = [
    # (email, password, role, first name)
    ("customer@demo.rapport.test", "demo-customer-2026", None, "Clara"),
    ("employee@demo.rapport.test", "demo-employee-2026", EMPLOYEE, "Emil"),
    ("manager@demo.rapport.test", "demo-manager-2026", MANAGER, "Mona"),
]


class Command(BaseCommand):
    help = "Import the demo catalogue into an empty store and create demo accounts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--data-dir", default=str(settings.RAPPORT_DATA_DIR))
        parser.add_argument("--skip-import", action="store_true")
        parser.add_argument(
            "--olist-from",
            default=OLIST_DEMO_FROM,
            help="import Olist orders purchased on or after this day (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(options["data_dir"])
        if not options["skip_import"]:
            self._import_if_empty(data_dir)
            self._import_olist_if_absent(data_dir, options["olist_from"])
        call_command("stock_untracked_products", stdout=self.stdout)
        call_command("seed_demo_segments", stdout=self.stdout)
        # News items for the segments' news blocks, and the content admin's demo roles.
        call_command("seed_demo_content", stdout=self.stdout)
        self._train_delivery_model(data_dir)
        # Cross-sell rules mined from the imported orders, so product pages show suggestions.
        call_command("refresh_recommendations", full=True, suggest_bundles=True, stdout=self.stdout)
        call_command("seed_knowledge_base", stdout=self.stdout)
        call_command("create_demo_laptop", stdout=self.stdout)
        self._train_intent_model()
        self._demo_traffic(data_dir)
        self._demo_accounts()

    def _train_delivery_model(self, data_dir: Path) -> None:
        """Promised delivery dates come from the model learnt on Olist's full tables (about a
        minute, once); without it the store falls back to a fixed default. A missing or
        outdated model file is retrained."""
        from rapport.delivery import services as delivery
        from rapport.delivery.olist_tables import OlistTablesError, check_tables

        folder = data_dir / OLIST_DIR
        if delivery.load_promiser() is not None:
            return
        try:
            check_tables(folder)
        except OlistTablesError:
            return
        self.stdout.write("Training the delivery promise model on Olist's tables (once) …")
        try:
            call_command("train_delivery_model", data_dir=str(folder), stdout=self.stdout)
        except CommandError as exc:
            self.stdout.write(
                self.style.WARNING(f"No delivery model ({exc}): promises use the default days.")
            )

    def _import_olist_if_absent(self, data_dir: Path, purchased_from: str) -> None:
        """The marketplace side of the demo: Olist's sellers, customers, products and the
        orders purchased since `purchased_from`, with routes and delivery outcomes."""
        from rapport.imports.olist import FILES, SOURCE
        from rapport.orders.models import Order

        folder = data_dir / OLIST_DIR
        if Order.objects.filter(source=SOURCE).exists():
            return
        if not all((folder / name).exists() for name in FILES):
            return
        self.stdout.write(
            f"Importing Olist orders purchased since {purchased_from} from {folder} … (all of "
            f"them: manage.py import_olist {folder})"
        )
        call_command(
            "import_olist",
            str(folder),
            purchased_from=purchased_from,
            no_progress=True,
            stdout=self.stdout,
            stderr=self.stderr,
        )

    def _train_intent_model(self) -> None:
        """Inbound support mail is classified by a model trained on the Bitext sets; training
        it here spares the first mail the wait (it would be trained on first use otherwise)."""
        from rapport.support.intents.data import shared_files

        if settings.RAPPORT_INTENT_MODEL_PATH.exists():
            return
        if all(path.exists() for path in shared_files()):
            call_command("train_intents", stdout=self.stdout)

    def _demo_traffic(self, data_dir: Path) -> None:
        """The site traffic view's demo: the real clothing-shop clickstream (once), and the
        purchase-intent model from the Online Shoppers sessions (once; docs/traffic.md)."""
        from rapport.traffic.intent import model_path
        from rapport.traffic.models import TrafficSource, Visit

        clicks = data_dir / "clickstream_eshop" / "e-shop_clothing_2008.csv.gz"
        if clicks.exists() and not Visit.objects.filter(source=TrafficSource.CLICKSTREAM).exists():
            call_command("import_clickstream", str(clicks), stdout=self.stdout)
        sessions = data_dir / "online_shoppers" / "online_shoppers_intention.csv.gz"
        if sessions.exists() and not model_path().exists():
            call_command("train_purchase_intent", sessions=sessions, stdout=self.stdout)

    def _import_if_empty(self, data_dir: Path) -> None:
        if Product.objects.exists():
            self.stdout.write("The catalogue already has products: no import.")
            return
        path = data_dir / ONLINE_RETAIL_FILE
        if not path.exists():
            self.stdout.write(
                self.style.WARNING(
                    f"No demo data at {path}: starting with an empty store. Load it later with\n"
                    f"  RAPPORT_DATA_DIR=/path/to/datasets make demo-data\n"
                    "or .venv/bin/python manage.py import_online_retail "
                    f"PATH/TO/{ONLINE_RETAIL_FILE}"
                )
            )
            return
        self.stdout.write(f"Importing the Online Retail demo data from {path} …")
        call_command("import_online_retail", str(path), stdout=self.stdout, stderr=self.stderr)

    def _demo_accounts(self) -> None:
        self.stdout.write("\nDemo accounts (for this demo only):")
        for email, password, role, first_name in DEMO_ACCOUNTS:
            user = User.objects.filter(email=email).first()
            if user is None:
                # Demo addresses cannot receive mail: they count as verified.
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    first_name=first_name,
                    email_verified_at=timezone.now(),
                )
                if role:
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
                    user.groups.add(Group.objects.get(name=role))
                else:
                    Customer.objects.create(user=user, email=email, name=f"{first_name} Demo")
            kind = role or "Customer"
            self.stdout.write(f"  {kind:<9} {email:<30} password: {password}")
        staff_url = f"/{settings.RAPPORT_STAFF_PATH}/login/"
        self.stdout.write(
            f"Customers log in at /login/; staff at the unadvertised entrance {staff_url}\n"
            "Staff sign-in needs a second factor: at the first sign-in the page shows a QR code\n"
            "(and a key) for an authenticator app, then ten one-time recovery codes.\n"
        )
