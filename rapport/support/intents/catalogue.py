"""The 27 support intents: a readable name, and the team that handles each one."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.TextChoices):
    ORDERS = "orders", _("Orders and delivery")
    BILLING = "billing", _("Billing and refunds")
    ACCOUNTS = "accounts", _("Accounts")
    SERVICE = "service", _("Customer service")


INTENTS: dict[str, tuple[Any, str]] = {}  # filled below; (label, team)

_ROWS = [
    ("cancel_order", _("Cancel an order"), Team.ORDERS),
    ("change_order", _("Change an order"), Team.ORDERS),
    ("change_shipping_address", _("Change the shipping address"), Team.ORDERS),
    ("check_cancellation_fee", _("Cancellation fee"), Team.BILLING),
    ("check_invoice", _("Look at an invoice"), Team.BILLING),
    ("check_payment_methods", _("Payment methods"), Team.BILLING),
    ("check_refund_policy", _("Refund policy"), Team.BILLING),
    ("complaint", _("Complaint"), Team.SERVICE),
    ("contact_customer_service", _("Contact customer service"), Team.SERVICE),
    ("contact_human_agent", _("Talk to a person"), Team.SERVICE),
    ("create_account", _("Create an account"), Team.ACCOUNTS),
    ("delete_account", _("Delete an account"), Team.ACCOUNTS),
    ("delivery_options", _("Delivery options"), Team.ORDERS),
    ("delivery_period", _("Delivery time"), Team.ORDERS),
    ("edit_account", _("Edit account details"), Team.ACCOUNTS),
    ("get_invoice", _("Get an invoice"), Team.BILLING),
    ("get_refund", _("Get a refund"), Team.BILLING),
    ("newsletter_subscription", _("Newsletter"), Team.SERVICE),
    ("payment_issue", _("Payment problem"), Team.BILLING),
    ("place_order", _("Place an order"), Team.ORDERS),
    ("recover_password", _("Recover a password"), Team.ACCOUNTS),
    ("registration_problems", _("Registration problems"), Team.ACCOUNTS),
    ("review", _("Feedback and reviews"), Team.SERVICE),
    ("set_up_shipping_address", _("Set up a shipping address"), Team.ORDERS),
    ("switch_account", _("Switch accounts"), Team.ACCOUNTS),
    ("track_order", _("Track an order"), Team.ORDERS),
    ("track_refund", _("Track a refund"), Team.BILLING),
]
INTENTS.update({name: (label, team) for name, label, team in _ROWS})
INTENT_CHOICES = [(name, label) for name, label, _team in _ROWS]
# Intents whose answer is about one order: a named order number of the sender gets its status.
ORDER_INTENTS = frozenset(
    {"track_order", "cancel_order", "change_order", "delivery_period", "change_shipping_address"}
)


def team_for(intent: str) -> str:
    return str(INTENTS.get(intent, (None, Team.SERVICE))[1])


def label_for(intent: str) -> str:
    return str(INTENTS[intent][0]) if intent in INTENTS else intent
