from django.urls import path

from rapport.portal.views import dashboard

app_name = "portal"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
]
