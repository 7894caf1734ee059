from django.urls import path

from rapport.storefront.views import auth, catalog, mail, mydata, preferences, profile

app_name = "storefront"

urlpatterns = [
    path("", catalog.home, name="home"),
    path("c/<slug:slug>/", catalog.category, name="category"),
    path("p/<uuid:public_id>/<slug:slug>/", catalog.product, name="product"),
    path("p/<uuid:public_id>/", catalog.product, name="product_short"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("robots.txt", catalog.robots_txt, name="robots"),
    # The customer's own record (M2)
    path("account/profile/", profile.profile, name="profile"),
    path("account/profile/edit/", profile.edit, name="profile_edit"),
    path("account/profile/question/", profile.question, name="profile_question"),
    path("account/profile/question/answer/", profile.answer, name="profile_answer"),
    path("account/profile/question/dismiss/", profile.dismiss, name="profile_dismiss"),
    path("account/preferences/", preferences.preferences, name="preferences"),
    path("account/data/", mydata.mydata, name="mydata"),
    path("account/data/export/", mydata.export, name="mydata_export"),
    # Links in our mail: one-click unsubscribe, open pixel, click redirect (signed tokens)
    path("m/u/<str:token>/", mail.unsubscribe_view, name="unsubscribe"),
    path("m/o/<str:token>/", mail.open_pixel, name="mail_open"),
    path("m/c/<str:token>/", mail.click, name="mail_click"),
]
