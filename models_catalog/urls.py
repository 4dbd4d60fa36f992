"""Catalogue URLs, included at /o/<org_slug>/models/ (organisations.access scopes them).

Kwargs: ``model_slug`` (slug), ``version`` (the version number), ``level`` (a level
number), and ``dimension_key`` / ``axis_key`` / ``option_key`` / ``question_key``.
"""

from django.urls import include, path

from . import views

app_name = "models_catalog"

V = "<slug:model_slug>/v<int:version>/"


def keyed(kind: str, plural: str, kwarg: str) -> list:
    """Add, edit, delete and move URLs of one kind of keyed part of a draft."""
    return [
        path(f"edit/add-{kind}/", getattr(views, f"add_{kind}"), name=f"add_{kind}"),
        path(f"edit/{plural}/<str:{kwarg}>/", getattr(views, f"edit_{kind}"),
             name=f"edit_{kind}"),
        path(f"edit/{plural}/<str:{kwarg}>/delete/", getattr(views, f"delete_{kind}"),
             name=f"delete_{kind}"),
        path(f"edit/{plural}/<str:{kwarg}>/move/", getattr(views, f"move_{kind}"),
             name=f"move_{kind}"),
    ]


version_urls = [
    path("", views.version_detail, name="version"),
    path("levels/<int:level>/", views.level_detail, name="level"),
    path("preview/", views.preview, name="preview"),
    path("export/", views.export, name="export"),
    path("copy/", views.copy, name="copy"),
    path("new-draft/", views.new_draft, name="new_draft"),
    path("publish/", views.publish, name="publish"),
    path("retire/", views.retire, name="retire"),
    path("discard/", views.discard, name="discard"),
    path("edit/", views.edit, name="edit"),
    path("edit/metadata/", views.edit_metadata, name="edit_metadata"),
    path("edit/scoring/", views.edit_scoring, name="edit_scoring"),
    path("edit/levels/<int:level>/", views.edit_level, name="edit_level"),
    path("edit/add-level/", views.add_level, name="add_level"),
    path("edit/remove-level/", views.remove_level, name="remove_level"),
    *keyed("dimension", "dimensions", "dimension_key"),
    *keyed("axis", "axes", "axis_key"),
    *keyed("option", "scale", "option_key"),
    *keyed("question", "questions", "question_key"),
]

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("import/", views.import_model, name="import"),
    path("<slug:model_slug>/", views.model_detail, name="detail"),
    path(V, include(version_urls)),
]
