from django.urls import path

from rapport.portal.views import dashboard, orders, stock, wallet

app_name = "portal"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<uuid:public_id>/", orders.order_detail, name="order"),
    path("customers/<uuid:public_id>/wallet/", wallet.wallet, name="wallet"),
    path("stock/", stock.product_list, name="stock_list"),
    path("stock/<uuid:public_id>/", stock.product_stock, name="stock"),
]
