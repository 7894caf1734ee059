from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rapport.aftersales"
    verbose_name = "After-sales"
