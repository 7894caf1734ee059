from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rapport.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Harden the default admin site in place (its registry is kept): superusers with a
        # verified second factor only. See rapport.accounts.admin_site.
        from django.contrib import admin

        from rapport.accounts.admin_site import RapportAdminSite

        admin.site.__class__ = RapportAdminSite

        from rapport.accounts.mail import KIND, render_account_mail
        from rapport.messaging import send_time

        send_time.register(KIND, render_account_mail)
