from django.urls import path

from rapport.storefront.views import auth, catalog

app_name = "storefront"

urlpatterns = [
    path("", catalog.home, name="home"),
    path("c/<slug:slug>/", catalog.category, name="category"),
    path("p/<uuid:public_id>/<slug:slug>/", catalog.product, name="product"),
    path("p/<uuid:public_id>/", catalog.product, name="product_short"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("robots.txt", catalog.robots_txt, name="robots"),
]
