"""The questionnaire of a person invited by email, included at ``/r/``.

The token in the URL is the credential: it opens exactly one response's
questionnaire (these five pages) and nothing else. A shared link's token
(``shared/<token>/``) starts a response of its own for each person who opens it.
"""

from django.urls import path

from . import questionnaire_views as answer

app_name = "respondent"

T = "<str:token>/"

urlpatterns = [
    # A shared round link: each person who opens it gets a response of their own.
    path("shared/<str:token>/", answer.shared_start, name="shared"),
    path("shared/<str:token>/logo/", answer.shared_logo, name="shared_logo"),
    path(T, answer.link_start, name="start"),
    path(T + "dimension/<str:dimension_key>/", answer.link_dimension, name="dimension"),
    path(T + "review/", answer.link_review, name="review"),
    path(T + "save/", answer.link_save, name="save"),
    path(T + "submit/", answer.link_submit, name="submit"),
    # The organisation's logo, for the pages above (organisations.branding).
    path(T + "logo/", answer.link_logo, name="logo"),
]
