from django.contrib import admin
from django.urls import include, path

from improvement import views as improvement_views
from organisations import views as org_views

# Under an organisation the user may open, its branding (organisations/errors.py).
handler403 = "organisations.errors.permission_denied"
handler404 = "organisations.errors.page_not_found"

urlpatterns = [
    path("", org_views.home, name="home"),
    path("healthz", org_views.healthz, name="healthz"),
    path("accounts/", include("organisations.account_urls")),
    path("accounts/sso/", include("sso.account_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # An organisation's primary colour as a stylesheet (organisations.branding): it
    # names the colour only, so it is public and kept by browsers.
    path("brand/<slug:version>/<slug:colour>.css", org_views.brand_stylesheet,
         name="brand_stylesheet"),
    path("admin/", admin.site.urls),
    # Tenant URLs: everything below /o/<org-slug>/ goes through organisations.access.
    path("o/<slug:org_slug>/", include("organisations.urls")),
    path("o/<slug:org_slug>/models/", include("models_catalog.urls")),
    path("o/<slug:org_slug>/assessments/", include("assessments.urls")),
    path("o/<slug:org_slug>/reports/", include("reports.urls")),
    path("o/<slug:org_slug>/actions/", include("improvement.urls")),
    # A calendar app's subscription: the secret token is the only credential.
    path("calendar/<str:token>.ics", improvement_views.calendar_feed, name="calendar_feed"),
    path("o/<slug:org_slug>/api-tokens/", include("api.tenant_urls")),
    path("o/<slug:org_slug>/settings/sso/", include("sso.urls")),
    path("o/<slug:org_slug>/benchmark/", include("peers.urls")),
    path("r/", include("assessments.respondent_urls")),
    # The REST API (api/v1.py): token-authenticated, outside the tenant pages.
    path("api/", include("api.urls")),
]
