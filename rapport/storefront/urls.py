from django.urls import path

from rapport.storefront.views import auth, cart, catalog, checkout, orders, search

app_name = "storefront"

urlpatterns = [
    path("", catalog.home, name="home"),
    path("c/<slug:slug>/", catalog.category, name="category"),
    path("p/<uuid:public_id>/<slug:slug>/", catalog.product, name="product"),
    path("p/<uuid:public_id>/", catalog.product, name="product_short"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("robots.txt", catalog.robots_txt, name="robots"),
    path("search/", search.search, name="search"),
    path("search/suggest/", search.suggest, name="search_suggest"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.add, name="cart_add"),
    path("cart/add/<uuid:public_id>/", cart.add, name="cart_add_product"),
    path("cart/update/", cart.update, name="cart_update"),
    path("cart/remove/", cart.remove, name="cart_remove"),
    path("cart/accept-prices/", cart.accept_prices, name="cart_accept_prices"),
    path("checkout/", checkout.details, name="checkout"),
    path("checkout/verify/", checkout.verify, name="checkout_verify"),
    path("payments/webhook/<slug:provider>/", checkout.payment_webhook, name="payment_webhook"),
    path("account/orders/", orders.order_list, name="orders"),
    path("account/orders/<uuid:public_id>/", orders.order_detail, name="order"),
    path("account/orders/<uuid:public_id>/receipt.pdf", orders.receipt, name="order_receipt"),
]
