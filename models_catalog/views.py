"""Catalogue pages and the draft editor. Thin: selectors read, services write.

Reading needs the ``view`` capability; importing, copying and everything that
changes a model needs ``manage_models`` and, for an existing model, that the
accessed organisation owns it (403 otherwise). A model the organisation cannot see
is a 404. A version that is no longer a draft is shown read-only: its editing pages
answer 409 with the reason and the way forward (a new draft).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from organisations.access import tenant_view
from organisations.service_views import call_service

from . import selectors, services
from .documents import DocumentError, dump, export_version, parse
from .forms import (
    AxisForm,
    CopyForm,
    DimensionForm,
    ImportForm,
    LevelForm,
    MetadataForm,
    OptionForm,
    QuestionForm,
    ScoringForm,
)
from .models import ModelVersion, PublishedVersionError
from .snapshot import snapshot

SECTION = "models"  # highlights "Models" in templates/organisations/_org_nav.html


def read_view(view: Callable) -> Callable:
    """A page that only shows: any member may GET it; other methods get 405, after the
    organisation check (so outsiders still get 404)."""
    return tenant_view("view")(require_safe(view))


manage_view = tenant_view("manage_models", write="manage_models")


def _url(name: str, access, version: ModelVersion | None = None, **kwargs) -> str:
    if version is not None:
        kwargs = {"model_slug": version.model.slug, "version": version.number, **kwargs}
    return reverse(f"models_catalog:{name}", kwargs={"org_slug": access.organisation.slug,
                                                      **kwargs})


def _context(access, version: ModelVersion, **extra) -> dict:
    return {"organisation": access.organisation, "model": version.model, "version": version,
            "can_edit": selectors.can_edit(access, version.model), "section": SECTION,
            **extra}


# The refusal these pages answer themselves (409, read-only: call_service's ``own``).
LOCKED = (PublishedVersionError,)


def _locked(request, access, version: ModelVersion, error: ValidationError | None = None):
    """The answer to an attempt to change a version that is not a draft."""
    message = (error.messages[0] if error is not None
               else PublishedVersionError(version).messages[0])
    return render(request, "models_catalog/locked.html",
                  _context(access, version, message=message), status=409)


def _bound(request, *, files: bool = False) -> tuple:
    """A form's data (and files) on POST; nothing on GET, so the form is unbound."""
    if request.method != "POST":
        return ()
    return (request.POST, request.FILES) if files else (request.POST,)


def _post_only(request):
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


# ----------------------------------------------------------------------- catalogue


@read_view
def catalogue(request, access):
    return render(request, "models_catalog/catalogue.html", {
        "organisation": access.organisation, "section": SECTION,
        "groups": selectors.catalogue(access),
        "can_manage": access.can("manage_models"),
    })


@read_view
def model_detail(request, access, model_slug):
    model = selectors.get_visible_model(access, model_slug)
    versions = list(selectors.versions(access, model))
    current = next((v for v in versions if v.status == ModelVersion.Status.PUBLISHED), None)
    return render(request, "models_catalog/model_detail.html", {
        "organisation": access.organisation, "section": SECTION, "model": model,
        "versions": versions,
        "current": current, "shown": current or (versions[0] if versions else None),
        "draft": next((v for v in versions if v.is_draft), None),
        "can_edit": selectors.can_edit(access, model),
        "can_manage": access.can("manage_models"),
    })


@read_view
def version_detail(request, access, model_slug, version):
    version = selectors.get_version(access, model_slug, version)
    content = snapshot(version)
    return render(request, "models_catalog/version_detail.html", _context(
        access, version, content=content, groups=content.grouped(),
        can_manage=access.can("manage_models")))


@read_view
def level_detail(request, access, model_slug, version, level):
    version = selectors.get_version(access, model_slug, version)
    content = snapshot(version)
    shown = content.level(level)
    if shown is None:
        raise Http404
    return render(request, "models_catalog/level_detail.html", _context(
        access, version, content=content, level=shown, groups=content.grouped(level),
        previous=content.level(level - 1), next=content.level(level + 1)))


@read_view
def preview(request, access, model_slug, version):
    version = selectors.get_version(access, model_slug, version)
    content = snapshot(version)
    return render(request, "models_catalog/preview.html", _context(
        access, version, content=content, groups=content.grouped()))


@read_view
def export(request, access, model_slug, version):
    version = selectors.get_version(access, model_slug, version)
    fmt = request.GET.get("format", "yaml")
    if fmt not in ("yaml", "json"):
        fmt = "yaml"
    text = dump(export_version(version), fmt)
    content_type = "application/json" if fmt == "json" else "application/yaml"
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    filename = f"{version.model.slug}-v{version.number}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@manage_view
def import_model(request, access):
    form = ImportForm(*_bound(request, files=True))
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        # One byte more than the limit is enough to know that it is too large.
        content = upload.read(settings.MAX_UPLOAD_BYTES + 1)
        data, problems = parse(content, filename=upload.name)
        if not problems:
            outcome = call_service(
                request, services.model_import, own=(DocumentError,), data=data, by=access,
                publish=form.cleaned_data["publish"], request=request,
                done=lambda version: _("Imported “%(slug)s” as version %(number)s.") % {
                    "slug": version.model.slug, "number": version.number})
            if outcome.ok:
                return redirect(_url("version", access, outcome.result))
            if isinstance(outcome.error, DocumentError):
                problems = outcome.error.problems
    return render(request, "models_catalog/import.html", {
        "organisation": access.organisation, "section": SECTION, "form": form,
        "problems": problems,
    }, status=400 if problems else 200)


# ------------------------------------------------------------- version life cycle


@manage_view
def copy(request, access, model_slug, version):
    version = selectors.get_version(access, model_slug, version)
    form = CopyForm(*_bound(request))
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.model_copy, form=form, version=version,
            by=access, slug=form.cleaned_data["slug"],
            name=form.cleaned_data["name"], request=request,
            done=lambda copied: _("Copied to “%(slug)s”: edit the draft, then publish it.")
            % {"slug": copied.model.slug})
        if outcome.ok:
            return redirect(_url("edit", access, outcome.result))
    return render(request, "models_catalog/copy.html", _context(access, version, form=form))


def _confirm(request, access, version: ModelVersion, *, action: Callable, template: str,
             done: str, then: Callable[[ModelVersion], str], require_draft: bool = False,
             extra: dict | None = None):
    """A GET confirmation page and the POST that does ``action``."""
    if require_draft and not version.is_draft:
        return _locked(request, access, version)
    errors: list[str] = []
    if request.method == "POST":
        outcome = call_service(request, action, refused=errors.extend, own=LOCKED, done=done,
                               version=version, by=access, request=request)
        if isinstance(outcome.error, PublishedVersionError):
            return _locked(request, access, version, outcome.error)
        if outcome.ok:
            result = outcome.result
            return redirect(then(result if isinstance(result, ModelVersion) else version))
    return render(request, template, _context(access, version, errors=errors, **(extra or {})),
                  status=400 if errors else 200)


@manage_view
def new_draft(request, access, model_slug, version):
    version = selectors.get_editable_version(access, model_slug, version)
    return _confirm(request, access, version, action=services.draft_create,
                    template="models_catalog/new_draft.html",
                    done=_("New draft started."), then=lambda v: _url("edit", access, v),
                    extra={"existing": version.model.versions.filter(
                        status=ModelVersion.Status.DRAFT).first()})


@manage_view
def publish(request, access, model_slug, version):
    version = selectors.get_editable_version(access, model_slug, version)
    if not version.is_draft:
        return _locked(request, access, version)
    problems = services.version_problems(version)
    return _confirm(request, access, version, action=services.version_publish,
                    template="models_catalog/publish.html", require_draft=True,
                    done=_("Published version %(number)s.") % {"number": version.number},
                    then=lambda v: _url("version", access, v),
                    extra={"problems": problems,
                           "current": selectors.latest_published(version.model)})


@manage_view
def retire(request, access, model_slug, version):
    version = selectors.get_editable_version(access, model_slug, version)
    return _confirm(request, access, version, action=services.version_retire,
                    template="models_catalog/retire.html",
                    done=_("Retired version %(number)s.") % {"number": version.number},
                    then=lambda v: _url("version", access, v))


@manage_view
def discard(request, access, model_slug, version):
    version = selectors.get_editable_version(access, model_slug, version)
    only = version.model.versions.count() == 1
    return _confirm(request, access, version, action=services.draft_discard,
                    template="models_catalog/discard.html", require_draft=True,
                    done=_("Draft discarded."),
                    then=lambda v: (reverse("models_catalog:catalogue",
                                            args=[access.organisation.slug]) if only else
                                    reverse("models_catalog:detail",
                                            args=[access.organisation.slug, v.model.slug])),
                    extra={"only": only})


# -------------------------------------------------------------------------- editor


def _draft(access, model_slug, number) -> ModelVersion:
    return selectors.get_editable_version(access, model_slug, number)


@manage_view
def edit(request, access, model_slug, version):
    version = _draft(access, model_slug, version)
    if not version.is_draft:
        return _locked(request, access, version)
    content = snapshot(version)
    return render(request, "models_catalog/edit.html", _context(
        access, version, content=content, groups=content.grouped(),
        problems=services.version_problems(version)))


def _edit_form(request, access, version: ModelVersion, *, form, save: Callable, title: str,
               done: str, anchor: str = "", delete_url: str = ""):
    """Show ``form``; on a valid POST call ``save(form)`` and go back to the editor."""
    if not version.is_draft:
        return _locked(request, access, version)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(request, lambda: save(form), form=form, own=LOCKED, done=done)
        if isinstance(outcome.error, PublishedVersionError):
            return _locked(request, access, version, outcome.error)
        if outcome.ok:
            return redirect(_url("edit", access, version) + (f"#{anchor}" if anchor else ""))
    return render(request, "models_catalog/edit_form.html", _context(
        access, version, form=form, title=title, anchor=anchor, delete_url=delete_url),
        status=400 if form.is_bound and form.errors else 200)


def _delete(request, access, version: ModelVersion, *, obj, action: Callable, title: str,
            done: str, anchor: str, warning: str = ""):
    if not version.is_draft:
        return _locked(request, access, version)
    errors: list[str] = []
    if request.method == "POST":
        outcome = call_service(request, lambda: action(obj), refused=errors.extend,
                               own=LOCKED, done=done)
        if isinstance(outcome.error, PublishedVersionError):
            return _locked(request, access, version, outcome.error)
        if outcome.ok:
            return redirect(_url("edit", access, version) + f"#{anchor}")
    return render(request, "models_catalog/delete.html", _context(
        access, version, title=title, warning=warning, errors=errors, anchor=anchor),
        status=400 if errors else 200)


def _move(request, access, version: ModelVersion, *, action: Callable, anchor: str):
    not_allowed = _post_only(request)
    if not_allowed:
        return not_allowed
    if not version.is_draft:
        return _locked(request, access, version)
    direction = request.POST.get("direction")
    if direction not in (services.UP, services.DOWN):
        direction = services.UP
    outcome = call_service(request, lambda: action(direction), own=LOCKED)
    if isinstance(outcome.error, PublishedVersionError):
        return _locked(request, access, version, outcome.error)
    return redirect(_url("edit", access, version) + f"#{anchor}")


@manage_view
def edit_metadata(request, access, model_slug, version):
    version = _draft(access, model_slug, version)
    texts = {"name": version.name, "description": version.description,
             "source": version.source, "notes": version.notes}
    form = MetadataForm(*_bound(request), version=version, initial_texts=texts,
                        initial={"default_language": version.default_language,
                                 "languages": version.languages})

    def save(form):
        services.version_update(
            version=version, by=access, name=form.texts("name"),
            description=form.texts("description"), source=form.texts("source"),
            notes=form.texts("notes"), default_language=form.cleaned_data["default_language"],
            languages=form.cleaned_data["languages"], request=request)

    return _edit_form(request, access, version, form=form, save=save,
                      title=_("Name, description and languages"), done=_("Saved."),
                      anchor="metadata")


@manage_view
def edit_scoring(request, access, model_slug, version):
    version = _draft(access, model_slug, version)
    form = ScoringForm(*_bound(request), initial={"threshold": version.threshold,
                                                      "overall_rule": version.overall_rule})

    def save(form):
        services.scoring_update(version=version, by=access, request=request,
                                threshold=form.cleaned_data["threshold"],
                                overall_rule=form.cleaned_data["overall_rule"])

    return _edit_form(request, access, version, form=form, save=save, title=_("Scoring"),
                      done=_("Saved."), anchor="scoring")


@manage_view
def edit_level(request, access, model_slug, version, level):
    version = _draft(access, model_slug, version)
    obj = selectors.get_level(version, level)
    form = LevelForm(*_bound(request), version=version,
                     initial_texts={"name": obj.name, "description": obj.description})

    def save(form):
        services.level_update(level=obj, by=access, name=form.texts("name"),
                              description=form.texts("description"), request=request)

    return _edit_form(request, access, version, form=form, save=save,
                      title=_("Level %(number)s") % {"number": obj.number}, done=_("Saved."),
                      anchor="levels")


@manage_view
def add_level(request, access, model_slug, version):
    version = _draft(access, model_slug, version)
    form = LevelForm(*_bound(request), version=version)

    def save(form):
        services.level_add(version=version, by=access, name=form.texts("name"),
                           description=form.texts("description"), request=request)

    return _edit_form(request, access, version, form=form, save=save,
                      title=_("Add a level at the top"), done=_("Level added."),
                      anchor="levels")


@manage_view
def remove_level(request, access, model_slug, version):
    version = _draft(access, model_slug, version)
    levels = snapshot(version).levels
    top = levels[-1] if levels else None
    return _delete(request, access, version, obj=None,
                   action=lambda _obj: services.level_remove(version=version, by=access,
                                                             request=request),
                   title=_("Remove level %(number)s") % {"number": top.number if top else "?"},
                   done=_("Level removed."), anchor="levels")


def _keyed_views(kind: str, kwarg: str, form_class, anchor: str, *, add: Callable,
                 update: Callable, delete: Callable, move: Callable, texts: tuple[str, ...],
                 labels: dict[str, str], form_kwargs: Callable | None = None,
                 extra_fields: Callable | None = None):
    """The add, edit, delete and move views of one kind of keyed part."""

    def kwargs_for(version, obj=None):
        return form_kwargs(version, obj) if form_kwargs else {}

    def values(form) -> dict:
        data = {name: form.texts(name) for name in texts}
        if extra_fields:
            data.update(extra_fields(form))
        return data

    @manage_view
    def add_view(request, access, model_slug, version):
        version = _draft(access, model_slug, version)
        form = form_class(*_bound(request), version=version, adding=True,
                          **kwargs_for(version))

        def save(form):
            add(version=version, by=access, key=form.cleaned_data["key"],
                request=request, **values(form))

        return _edit_form(request, access, version, form=form, save=save,
                          title=labels["add"], done=labels["added"], anchor=anchor)

    @manage_view
    def edit_view(request, access, model_slug, version, **kwargs):
        version = _draft(access, model_slug, version)
        obj = selectors.get_part(version, kind, kwargs[kwarg])
        form = form_class(*_bound(request), version=version, adding=False,
                          initial_texts={name: getattr(obj, name) for name in texts},
                          **kwargs_for(version, obj))

        def save(form):
            update(**{kind: obj}, by=access, request=request, **values(form))

        return _edit_form(request, access, version, form=form, save=save,
                          title=f"{labels['edit']} “{obj.key}”", done=_("Saved."),
                          anchor=f"{anchor}-{obj.key}",
                          delete_url=_url(f"delete_{kind}", access, version,
                                          **{kwarg: obj.key}))

    @manage_view
    def delete_view(request, access, model_slug, version, **kwargs):
        version = _draft(access, model_slug, version)
        obj = selectors.get_part(version, kind, kwargs[kwarg])
        return _delete(request, access, version, obj=obj,
                       action=lambda o: delete(**{kind: o}, by=access, request=request),
                       title=f"{labels['delete']} “{obj.key}”", done=labels["deleted"],
                       anchor=anchor, warning=labels.get("warning", ""))

    @manage_view
    def move_view(request, access, model_slug, version, **kwargs):
        version = _draft(access, model_slug, version)
        obj = selectors.get_part(version, kind, kwargs[kwarg])
        return _move(request, access, version, anchor=f"{anchor}-{obj.key}",
                     action=lambda d: move(**{kind: obj}, by=access, direction=d,
                                           request=request))

    return add_view, edit_view, delete_view, move_view


add_dimension, edit_dimension, delete_dimension, move_dimension = _keyed_views(
    "dimension", "dimension_key", DimensionForm, "dimensions",
    add=services.dimension_add, update=services.dimension_update,
    delete=services.dimension_delete, move=services.dimension_move,
    texts=("name", "description"),
    labels={"add": gettext_lazy("Add a dimension"),
            "added": gettext_lazy("Dimension added."),
            "edit": gettext_lazy("Dimension"),
            "delete": gettext_lazy("Delete dimension"),
            "deleted": gettext_lazy("Dimension deleted.")},
)

add_axis, edit_axis, delete_axis, move_axis = _keyed_views(
    "axis", "axis_key", AxisForm, "axes",
    add=services.axis_add, update=services.axis_update, delete=services.axis_delete,
    move=services.axis_move, texts=("name", "low_label", "high_label"),
    labels={"add": gettext_lazy("Add an axis"),
            "added": gettext_lazy("Axis added."),
            "edit": gettext_lazy("Axis"),
            "delete": gettext_lazy("Delete axis"),
            "deleted": gettext_lazy("Axis deleted."),
            "warning": gettext_lazy("The questions' loadings on this axis are deleted with it.")},
)

add_option, edit_option, delete_option, move_option = _keyed_views(
    "option", "option_key", OptionForm, "scale",
    add=services.option_add, update=services.option_update, delete=services.option_delete,
    move=services.option_move, texts=("label",),
    labels={"add": gettext_lazy("Add an answer option"),
            "added": gettext_lazy("Answer option added."),
            "edit": gettext_lazy("Answer option"),
            "delete": gettext_lazy("Delete answer option"),
            "deleted": gettext_lazy("Answer option deleted.")},
    form_kwargs=lambda version, obj: {"initial": {"value": obj.value}} if obj else {},
    extra_fields=lambda form: {"value": form.cleaned_data["value"]},
)


def _question_form_kwargs(version: ModelVersion, obj=None) -> dict:
    content = snapshot(version)
    kwargs = {"dimensions": list(content.dimensions), "levels": list(content.levels),
              "axes": list(content.axes)}
    if obj is not None:
        kwargs["initial"] = {"dimension": obj.dimension.key, "level": obj.level,
                             "weight": obj.weight}
        kwargs["loadings"] = obj.loadings
        kwargs["needs_review"] = obj.needs_review
    return kwargs


add_question, edit_question, delete_question, move_question = _keyed_views(
    "question", "question_key", QuestionForm, "questions",
    add=services.question_add, update=services.question_update,
    delete=services.question_delete, move=services.question_move,
    texts=("statement", "help", "source", "recommendation"),
    labels={"add": gettext_lazy("Add a question"),
            "added": gettext_lazy("Question added."),
            "edit": gettext_lazy("Question"),
            "delete": gettext_lazy("Delete question"),
            "deleted": gettext_lazy("Question deleted.")},
    form_kwargs=_question_form_kwargs,
    extra_fields=lambda form: {"dimension": form.cleaned_data["dimension"],
                               "level": form.cleaned_data["level"],
                               "weight": form.cleaned_data["weight"],
                               "loadings": form.loadings(), **form.confirmed()},
)
