from django.urls import path

from rapport.portal.views import (
    audit,
    auth,
    customers,
    dashboard,
    orders,
    recommendations,
    staff,
    stock,
    wallet,
)

app_name = "portal"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", auth.login, name="login"),
    path("login/verify/", auth.login_verify, name="login_verify"),
    path("login/enrol/", auth.login_enrol, name="login_enrol"),
    path("login/recovery-codes/", auth.recovery_codes, name="recovery_codes"),
    path("logout/", auth.logout, name="logout"),
    path("enrol/<uidb64>/<token>/", auth.enrol, name="enrol"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_create, name="staff_create"),
    path("staff/<int:pk>/", staff.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/role/", staff.staff_role, name="staff_role"),
    path("staff/<int:pk>/deactivate/", staff.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:pk>/reset-2fa/", staff.staff_reset_2fa, name="staff_reset_2fa"),
    path("staff/<int:pk>/send-link/", staff.staff_send_link, name="staff_send_link"),
    path("customers/<uuid:public_id>/vip/", staff.customer_vip, name="customer_vip"),
    path("audit/", audit.audit_log, name="audit_log"),
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
    path("orders/", orders.order_list, name="orders"),
    path("orders/<uuid:public_id>/", orders.order_detail, name="order"),
    path("customers/<uuid:public_id>/wallet/", wallet.wallet, name="wallet"),
    path("stock/", stock.product_list, name="stock_list"),
    path("stock/<uuid:public_id>/", stock.product_stock, name="stock"),
    # Cross-sell (issue 6)
    path("cross-sell/", recommendations.settings_page, name="reco_settings"),
    path("cross-sell/refresh/", recommendations.refresh, name="reco_refresh"),
    path("cross-sell/consumable/", recommendations.consumable, name="reco_consumable"),
    path("cross-sell/rules/", recommendations.rules, name="reco_rules"),
    path("cross-sell/rules/<int:pk>/delete/", recommendations.rule_delete, name="reco_rule_delete"),
    path("cross-sell/bundles/", recommendations.bundles, name="reco_bundles"),
    path(
        "cross-sell/bundles/<int:pk>/accept/",
        recommendations.bundle_accept,
        name="reco_bundle_accept",
    ),
    path(
        "cross-sell/bundles/<int:pk>/reject/",
        recommendations.bundle_reject,
        name="reco_bundle_reject",
    ),
    path(
        "cross-sell/bundles/<int:pk>/retire/",
        recommendations.bundle_retire,
        name="reco_bundle_retire",
    ),
]
