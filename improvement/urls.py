"""Action plans and webhooks, included at ``/o/<org_slug>/actions/``; every view is a
``tenant_view``. The calendar feed itself is outside (``/calendar/<token>.ics``)."""

from django.urls import path

from . import views

app_name = "improvement"

A = "<uuid:action_id>/"
W = "webhooks/<uuid:webhook_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("new/", views.create, name="create"),
    path("departments/<uuid:department_id>/", views.department_plan, name="department"),
    path(A, views.detail, name="detail"),
    path(A + "edit/", views.edit, name="edit"),
    path(A + "progress/", views.progress, name="progress"),
    path(A + "delete/", views.delete, name="delete"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path(W, views.webhook, name="webhook"),
    path(W + "test/", views.webhook_test, name="webhook_test"),
    path(W + "delete/", views.webhook_delete, name="webhook_delete"),
]
