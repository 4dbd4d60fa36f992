"""The questionnaire of a person invited by email, included at ``/r/``.

The token in the URL is the credential: it opens exactly one response's
questionnaire (these five pages) and nothing else.
"""

from django.urls import path

from . import questionnaire_views as answer

app_name = "respondent"

T = "<str:token>/"

urlpatterns = [
    path(T, answer.link_start, name="start"),
    path(T + "dimension/<str:dimension_key>/", answer.link_dimension, name="dimension"),
    path(T + "review/", answer.link_review, name="review"),
    path(T + "save/", answer.link_save, name="save"),
    path(T + "submit/", answer.link_submit, name="submit"),
]
