"""The API tokens page, included at ``/o/<org_slug>/api-tokens/`` (owners only)."""

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("", views.token_list, name="token_list"),
    path("new/", views.token_create, name="token_create"),
    path("<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
