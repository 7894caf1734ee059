"""Customer log in / log out on the store (the accounts issue extends this)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

login = auth_views.LoginView.as_view(template_name="storefront/account/login.html")
logout = auth_views.LogoutView.as_view()
