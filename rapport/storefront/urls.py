from django.urls import path

from rapport.storefront.views import auth, auth_security, catalog

app_name = "storefront"

urlpatterns = [
    path("", catalog.home, name="home"),
    path("c/<slug:slug>/", catalog.category, name="category"),
    path("p/<uuid:public_id>/<slug:slug>/", catalog.product, name="product"),
    path("p/<uuid:public_id>/", catalog.product, name="product_short"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("register/", auth.register, name="register"),
    path("account/verify/", auth.verify_resend, name="verify_resend"),
    path("account/verify/sent/", auth.verify_sent, name="verify_sent"),
    path("account/verify/<str:token>/", auth.verify_email, name="verify_email"),
    path("account/password/reset/", auth.password_reset, name="password_reset"),
    path("account/password/reset/sent/", auth.password_reset_sent, name="password_reset_sent"),
    path(
        "account/password/reset/done/",
        auth.password_reset_complete,
        name="password_reset_complete",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("account/email/", auth.email_change, name="email_change"),
    path(
        "account/email/confirm/<str:token>/",
        auth.email_change_confirm,
        name="email_change_confirm",
    ),
    path("account/security/", auth_security.security, name="security"),
    path("account/security/codes/", auth_security.security_codes, name="security_codes"),
    path("account/security/off/", auth_security.security_disable, name="security_disable"),
    path(
        "account/security/new-codes/", auth_security.security_new_codes, name="security_new_codes"
    ),
    path("account/security/verify/", auth.login_verify, name="login_verify"),
    path("robots.txt", catalog.robots_txt, name="robots"),
]
