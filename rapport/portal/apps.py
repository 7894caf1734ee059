from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "rapport.portal"
    label = "portal"
