from django.urls import path

from rapport.storefront.views import api_tokens as api_token_views
from rapport.storefront.views import (
    auth,
    auth_security,
    cart,
    catalog,
    checkout,
    configurator,
    mail,
    mydata,
    occasions,
    orders,
    personal,
    preferences,
    profile,
    recommendations,
    search,
)
from rapport.storefront.views import chat as chat_views
from rapport.storefront.views import community as community_views
from rapport.storefront.views import delivery as delivery_views
from rapport.storefront.views import drafts as drafts_views
from rapport.storefront.views import help as help_views
from rapport.storefront.views import language as language_views
from rapport.storefront.views import loyalty as loyalty_views
from rapport.storefront.views import quotes as quotes_views
from rapport.storefront.views import returns as returns_views
from rapport.storefront.views import reviews as reviews_views
from rapport.storefront.views import surveys as survey_views
from rapport.storefront.views import tickets as tickets_views
from rapport.storefront.views import tracking as tracking_views
from rapport.storefront.views import traffic as traffic_views

app_name = "storefront"

urlpatterns = [
    path("", catalog.home, name="home"),
    path("c/<slug:slug>/", catalog.category, name="category"),
    path("p/<uuid:public_id>/<slug:slug>/", catalog.product, name="product"),
    path("p/<uuid:public_id>/", catalog.product, name="product_short"),
    path("account/prices/", catalog.my_prices, name="my_prices"),
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
    path(
        "account/security/devices/<uuid:public_id>/revoke/",
        auth_security.device_revoke,
        name="device_revoke",
    ),
    path("robots.txt", catalog.robots_txt, name="robots"),
    # The customer's own record (M2)
    path("account/profile/", profile.profile, name="profile"),
    path("account/profile/edit/", profile.edit, name="profile_edit"),
    path("account/profile/question/", profile.question, name="profile_question"),
    path("account/profile/question/answer/", profile.answer, name="profile_answer"),
    path("account/profile/question/dismiss/", profile.dismiss, name="profile_dismiss"),
    path("account/preferences/", preferences.preferences, name="preferences"),
    path("account/personalise/", personal.personalise, name="personalise"),
    path("account/data/", mydata.mydata, name="mydata"),
    path("account/data/export/", mydata.export, name="mydata_export"),
    path("account/occasions/", occasions.occasions, name="occasions"),
    path("account/points/", loyalty_views.points, name="points"),
    path(
        "account/occasions/<uuid:public_id>/",
        occasions.occasion_update,
        name="occasion_update",
    ),
    # Links in our mail: one-click unsubscribe, open pixel, click redirect (signed tokens)
    path("m/t/<str:token>/", occasions.topic_unsubscribe, name="campaign_topic_unsubscribe"),
    path("m/u/<str:token>/", mail.unsubscribe_view, name="unsubscribe"),
    path("m/o/<str:token>/", mail.open_pixel, name="mail_open"),
    path("m/c/<str:token>/", mail.click, name="mail_click"),
    path("search/", search.search, name="search"),
    path("language/", language_views.switch, name="language"),
    path("search/suggest/", search.suggest, name="search_suggest"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.add, name="cart_add"),
    path("cart/add/<uuid:public_id>/", cart.add, name="cart_add_product"),
    path("cart/update/", cart.update, name="cart_update"),
    path("cart/remove/", cart.remove, name="cart_remove"),
    path("cart/accept-prices/", cart.accept_prices, name="cart_accept_prices"),
    path("checkout/", checkout.details, name="checkout"),
    path("checkout/verify/", checkout.verify, name="checkout_verify"),
    path("checkout/return/<uuid:public_id>/", checkout.payment_return, name="checkout_return"),
    path("payments/webhook/<slug:provider>/", checkout.payment_webhook, name="payment_webhook"),
    path("account/orders/", orders.order_list, name="orders"),
    path("account/orders/<uuid:public_id>/", orders.order_detail, name="order"),
    path("account/orders/<uuid:public_id>/receipt.pdf", orders.receipt, name="order_receipt"),
    # After the sale (issue 7)
    path(
        "account/orders/<uuid:public_id>/tracking/", tracking_views.tracking, name="order_tracking"
    ),
    path("account/orders/<uuid:public_id>/return/", returns_views.start, name="return_start"),
    path("account/returns/<uuid:public_id>/", returns_views.detail, name="return_detail"),
    path("account/orders/<uuid:public_id>/ticket/", tickets_views.start, name="ticket_start"),
    path("account/tickets/<uuid:public_id>/", tickets_views.detail, name="ticket_detail"),
    path("account/tickets/<uuid:public_id>/pay/", tickets_views.pay, name="ticket_pay"),
    path("account/quotes/", quotes_views.quote_list, name="quotes"),
    path("account/drafts/", drafts_views.draft_list, name="drafts"),
    path("account/drafts/<uuid:public_id>/", drafts_views.draft_detail, name="draft_detail"),
    path("account/quotes/<uuid:public_id>/", quotes_views.quote_detail, name="quote_detail"),
    path(
        "account/quotes/<uuid:public_id>/counter/",
        quotes_views.quote_counter,
        name="quote_counter",
    ),
    path("account/quotes/<uuid:public_id>/accept/", quotes_views.quote_accept, name="quote_accept"),
    path(
        "account/quotes/<uuid:public_id>/decline/",
        quotes_views.quote_decline,
        name="quote_decline",
    ),
    # Cross-sell fragments (htmx)
    path(
        "suggestions/p/<uuid:public_id>/",
        recommendations.for_product,
        name="suggestions_product",
    ),
    path("suggestions/cart/", recommendations.for_cart, name="suggestions_cart"),
    path("suggestions/for-you/", recommendations.for_you, name="suggestions_for_you"),
    # Chat with us (issue 18)
    path("chat/", chat_views.chat_start, name="chat"),
    path("chat/invite/", traffic_views.chat_invite, name="chat_invite"),
    path("chat/<uuid:public_id>/", chat_views.chat_room, name="chat_room"),
    path("chat/<uuid:public_id>/rate/", chat_views.chat_rate, name="chat_rate"),
    # Help centre (issue 23): knowledge base, votes, "this didn't help" from an automatic reply.
    path("help/", help_views.help_home, name="help"),
    path("help/a/<slug:slug>/", help_views.help_article, name="help_article"),
    path("help/a/<slug:slug>/vote/", help_views.help_vote, name="help_vote"),
    path("help/not-helpful/<str:token>/", help_views.help_not_helpful, name="help_not_helpful"),
    path("reviews/p/<uuid:public_id>/", reviews_views.product_reviews, name="product_reviews"),
    path("reviews/p/<uuid:public_id>/write/", reviews_views.review_write, name="review_write"),
    path("survey/<str:token>/", survey_views.survey_answer, name="survey_answer"),
    # Community Q&A (issue 23): questions on products and topics, answers, votes, reports.
    path("community/", community_views.community_home, name="community"),
    path("community/t/<slug:slug>/", community_views.community_topic, name="community_topic"),
    path("community/ask/", community_views.community_ask, name="community_ask"),
    path(
        "community/q/<uuid:public_id>/",
        community_views.community_question,
        name="community_question",
    ),
    path(
        "community/q/<uuid:public_id>/answer/",
        community_views.community_answer,
        name="community_answer",
    ),
    path(
        "community/q/<uuid:public_id>/report/",
        community_views.community_report_question,
        name="community_report_question",
    ),
    path(
        "community/a/<uuid:public_id>/vote/", community_views.community_vote, name="community_vote"
    ),
    path(
        "community/a/<uuid:public_id>/accept/",
        community_views.community_accept,
        name="community_accept",
    ),
    path(
        "community/a/<uuid:public_id>/report/",
        community_views.community_report_answer,
        name="community_report_answer",
    ),
    path(
        "community/p/<uuid:public_id>/",
        community_views.product_questions,
        name="product_questions",
    ),
    path("suggestions/buy-again/", recommendations.buy_again, name="suggestions_buy_again"),
    # Delivery range for the visitor's region (htmx fragment of the product page, issue 16)
    path("delivery/p/<uuid:public_id>/", delivery_views.estimate, name="delivery_estimate"),
    # Personal tokens for the JSON API (issue 20)
    path("account/api-tokens/", api_token_views.api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<uuid:public_id>/revoke/",
        api_token_views.api_token_revoke,
        name="api_token_revoke",
    ),
    # Build to order and custom requests (issue 21)
    path("configure/<uuid:public_id>/", configurator.configure, name="configure"),
    path("wish/<uuid:public_id>/", configurator.custom_request, name="custom_request"),
]
