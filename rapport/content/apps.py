from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "rapport.content"
    label = "content"
    verbose_name = _("Content")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rapport.content import freshness

        freshness.connect()

        from rapport.content.checker.services import MAIL_KIND, render_check_mail
        from rapport.messaging import send_time

        send_time.register(MAIL_KIND, render_check_mail)

        from rapport.content import notifications

        notifications.connect()
