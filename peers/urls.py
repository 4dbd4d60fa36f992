from django.urls import path

from . import views

app_name = "peers"

urlpatterns = [
    path("", views.settings_page, name="settings"),
]
