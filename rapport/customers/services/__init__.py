"""Writes to the customer record. Every change goes through here and is audit-logged.

Split by concern: `profile` (registration, profile, profiling, consent), `upkeep` (failing
contact points, retire/restore) and `rights` (export, erase, merge).
"""

from rapport.customers.services.profile import (
    CustomerError,
    add_contact_point,
    answer_profile_question,
    change_customer_email,
    create_customer_for_user,
    ensure_email_contact_point,
    refuse_profile_question,
    save_choice,
    set_choice_active,
    set_consent,
    set_tracking_allowed,
    set_vip,
    update_profile,
)
from rapport.customers.services.rights import (
    erase_customer,
    export_customer_data,
    merge_customers,
)
from rapport.customers.services.upkeep import (
    mark_contact_point_failed,
    record_contact_failure,
    restore_customer,
    retire_customer,
    retire_unreachable_customers,
)

__all__ = [
    "CustomerError",
    "add_contact_point",
    "answer_profile_question",
    "change_customer_email",
    "create_customer_for_user",
    "ensure_email_contact_point",
    "erase_customer",
    "export_customer_data",
    "mark_contact_point_failed",
    "merge_customers",
    "record_contact_failure",
    "refuse_profile_question",
    "restore_customer",
    "retire_customer",
    "retire_unreachable_customers",
    "save_choice",
    "set_choice_active",
    "set_consent",
    "set_tracking_allowed",
    "set_vip",
    "update_profile",
]
