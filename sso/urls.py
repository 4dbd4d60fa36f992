from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("test/", views.provider_test, name="provider_test"),
    path("domains/", views.domain_add, name="domain_add"),
    path("domains/<uuid:domain_id>/verify/", views.domain_verify, name="domain_verify"),
    path("domains/<uuid:domain_id>/remove/", views.domain_remove, name="domain_remove"),
]
