"""Assessment pages, included at ``/o/<org_slug>/assessments/``; every view is a
``tenant_view``. The questionnaire of an invited person (no account) is reached
through ``respondent_urls`` instead, with the same views behind both."""

from django.urls import path

from . import questionnaire_views as answer
from . import views

app_name = "assessments"

A = "<uuid:assessment_id>/"
R = A + "respondents/<uuid:response_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("departments/<uuid:department_id>/", views.department, name="department"),
    path(A, views.detail, name="detail"),
    path(A + "edit/", views.edit, name="edit"),
    path(A + "open/", views.open_round, name="open"),
    path(A + "close/", views.close_round, name="close"),
    path(A + "reopen/", views.reopen_round, name="reopen"),
    path(A + "cancel/", views.cancel_round, name="cancel"),
    path(A + "delete/", views.delete_round, name="delete"),
    path(A + "next/", views.start_next, name="start_next"),
    path(A + "respondents/invite/", views.invite, name="invite"),
    path(A + "respondents/members/", views.add_members, name="add_members"),
    path(A + "respondents/remind/", views.remind_all, name="remind_all"),
    path(A + "respondents/groups/", views.groups, name="groups"),
    path(A + "links/new/", views.shared_link_create, name="shared_link_create"),
    path(A + "links/<uuid:link_id>/revoke/", views.shared_link_revoke,
         name="shared_link_revoke"),
    path(R + "remind/", views.remind, name="remind"),
    path(R + "revoke/", views.revoke, name="revoke"),
    path(R + "renew/", views.renew_link, name="renew_link"),
    path(A + "offline/", views.offline, name="offline"),
    path(A + "offline/template.csv", views.template_csv, name="template_csv"),
    path(A + "offline/template.xlsx", views.template_xlsx, name="template_xlsx"),
    path(A + "export/answers.csv", views.export_csv, name="export_csv"),
    path(A + "export/answers.xlsx", views.export_xlsx, name="export_xlsx"),
    # The facilitated consensus session.
    path(A + "session/", views.session, name="session"),
    path(A + "session/updates/", views.session_updates, name="session_updates"),
    path(A + "session/start/", views.session_start, name="session_start"),
    path(A + "session/record/", views.session_record, name="session_record"),
    # The member's questionnaire (the same views as /r/<token>/…).
    path(A + "answer/", answer.member_start, name="answer"),
    path(A + "answer/dimension/<str:dimension_key>/", answer.member_dimension,
         name="answer_dimension"),
    path(A + "answer/review/", answer.member_review, name="answer_review"),
    path(A + "answer/save/", answer.member_save, name="answer_save"),
    path(A + "answer/submit/", answer.member_submit, name="answer_submit"),
]
