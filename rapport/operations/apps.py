from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "rapport.operations"
    label = "operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Alert mail is rendered when it is sent (the alert's state then, the reader's language).
        from rapport.messaging import send_time
        from rapport.operations.notices import KIND, render_alert_mail

        send_time.register(KIND, render_alert_mail)
