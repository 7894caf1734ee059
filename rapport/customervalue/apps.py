from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerValueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rapport.customervalue"
    verbose_name = _("Customer value and VIP")
