"""Tenant pages, included at ``/o/<slug:org_slug>/``. Every view is a ``tenant_view``."""

from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_home, name="home"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("portfolio/new/", views.client_create, name="client_create"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<uuid:department_id>/", views.department_detail,
         name="department_detail"),
    path("departments/<uuid:department_id>/edit/", views.department_update,
         name="department_update"),
    path("departments/<uuid:department_id>/remove/", views.department_delete,
         name="department_delete"),
    path("members/", views.member_list, name="member_list"),
    path("members/<uuid:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<uuid:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/<uuid:invitation_id>/revoke/", views.invitation_revoke,
         name="invitation_revoke"),
    path("invitations/<uuid:invitation_id>/resend/", views.invitation_resend,
         name="invitation_resend"),
    path("audit/", views.audit_log, name="audit_log"),
    path("settings/branding/", views.branding_settings, name="branding"),
    path("brand/logo/", views.brand_logo, name="brand_logo"),
]
