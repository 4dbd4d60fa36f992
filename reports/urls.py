"""Reports, included at ``/o/<slug:org_slug>/reports/``. Every view is a ``tenant_view``."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.organisation_report, name="organisation"),
    path("pdf/", views.organisation_pdf, name="organisation_pdf"),
    path("summary/", views.organisation_summary_pdf, name="organisation_summary_pdf"),
    path("export.csv", views.organisation_export_csv, name="organisation_export_csv"),
    path("export.xlsx", views.organisation_export_xlsx, name="organisation_export_xlsx"),
    path("export.json", views.organisation_export_json, name="organisation_export_json"),
    path("assessments/<uuid:assessment_id>/", views.assessment_report, name="assessment"),
    path("assessments/<uuid:assessment_id>/pdf/", views.assessment_pdf, name="assessment_pdf"),
    path("assessments/<uuid:assessment_id>/summary/", views.assessment_summary_pdf,
         name="assessment_summary_pdf"),
    path("assessments/<uuid:assessment_id>/export.csv", views.assessment_export_csv,
         name="assessment_export_csv"),
    path("assessments/<uuid:assessment_id>/export.xlsx", views.assessment_export_xlsx,
         name="assessment_export_xlsx"),
    path("assessments/<uuid:assessment_id>/export.json", views.assessment_export_json,
         name="assessment_export_json"),
    path("files/", views.report_list, name="files"),
    path("files/<uuid:report_id>/status/", views.report_status, name="status"),
    path("files/<uuid:report_id>/download/", views.report_download, name="download"),
    path("files/<uuid:report_id>/retry/", views.report_retry, name="retry"),
]
