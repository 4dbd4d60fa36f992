"""Sign-in through single sign-on, under /accounts/sso/. allauth's OpenID Connect views
are routed here one by one (its callback; its login view only through ours), so that
none of allauth's own account pages (sign-up, password) exist beside the product's."""

from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.start, name="sso_start"),
    # allauth reverses these two names.
    path("<slug:provider_id>/login/", views.go, name="openid_connect_login"),
    path("<slug:provider_id>/login/callback/", oidc_views.callback,
         name="openid_connect_callback"),
]
