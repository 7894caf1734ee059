from django.urls import path

from rapport.portal.views import customers, dashboard

app_name = "portal"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/choices/", customers.choices, name="customer_choices"),
    path(
        "customers/choices/<str:kind>/<slug:slug>/toggle/",
        customers.choice_toggle,
        name="customer_choice_toggle",
    ),
    path("customers/<uuid:public_id>/", customers.customer_detail, name="customer_detail"),
    path(
        "customers/<uuid:public_id>/contact-points/<int:pk>/fail/",
        customers.contact_point_fail,
        name="customer_contact_fail",
    ),
    path("customers/<uuid:public_id>/retire/", customers.retire, name="customer_retire"),
    path("customers/<uuid:public_id>/restore/", customers.restore, name="customer_restore"),
    path("customers/<uuid:public_id>/merge/", customers.merge, name="customer_merge"),
    path("customers/<uuid:public_id>/export/", customers.export, name="customer_export"),
    path("customers/<uuid:public_id>/erase/", customers.erase, name="customer_erase"),
]
