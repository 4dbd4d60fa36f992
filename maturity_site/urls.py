from django.contrib import admin
from django.urls import include, path

from organisations import views as org_views

urlpatterns = [
    path("", org_views.home, name="home"),
    path("healthz", org_views.healthz, name="healthz"),
    path("accounts/", include("organisations.account_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Tenant URLs: everything below /o/<org-slug>/ goes through organisations.access.
    path("o/<slug:org_slug>/", include("organisations.urls")),
    path("o/<slug:org_slug>/models/", include("models_catalog.urls")),
    path("o/<slug:org_slug>/assessments/", include("assessments.urls")),
    path("o/<slug:org_slug>/reports/", include("reports.urls")),
    path("o/<slug:org_slug>/benchmark/", include("peers.urls")),
    path("r/", include("assessments.respondent_urls")),
]
