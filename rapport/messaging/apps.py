from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "rapport.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from rapport.messaging import after_response

        after_response.connect()
