from django.apps import AppConfig


class TrafficConfig(AppConfig):
    name = "rapport.traffic"
    default_auto_field = "django.db.models.BigAutoField"
