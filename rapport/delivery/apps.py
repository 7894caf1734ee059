from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rapport.delivery"
    verbose_name = "Delivery dates"
