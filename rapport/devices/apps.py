from django.apps import AppConfig


class DevicesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rapport.devices"
    verbose_name = "Devices"

    def ready(self) -> None:
        from rapport.devices import checks  # noqa: F401 - registers the deploy check
