"""Assessment pages inside an organisation. Thin: selectors read, services write."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from models_catalog.snapshot import snapshot
from models_catalog.texts import model_texts
from organisations.access import tenant_view
from organisations.selectors import departments, get_department
from organisations.service_views import call_service

from . import offline as sheets
from . import selectors, services
from .anonymity import names_visible
from .forms import AssessmentEditForm, AssessmentForm, InviteForm, MembersForm, OfflineUploadForm
from .presentation import percent, present


def _base(access, **extra) -> dict:
    return {"organisation": access.organisation, "section": "assessments", **extra}


def _posted(request, *, files: bool = False) -> tuple:
    """A form's data on POST, even an empty one (which then says what is missing);
    nothing otherwise, so the form is unbound."""
    if request.method != "POST":
        return ()
    return (request.POST, request.FILES) if files else (request.POST,)


def _to_detail(access, assessment):
    return redirect("assessments:detail", org_slug=access.organisation.slug,
                    assessment_id=assessment.public_id)


MAX_STEPS = 12  # next steps on the round page; the export has them all

# --- Lists ---------------------------------------------------------------------------------


@tenant_view("view")
@require_safe
def index(request, access):
    rounds = list(selectors.assessments(access).order_by("department__name", "-created_at"))
    results = selectors.results_by_assessment(rounds)
    counts = selectors.response_counts([a.pk for a in rounds])
    for assessment in rounds:
        assessment.result = results[assessment.pk]
        assessment.counts = counts[assessment.pk]
    groups: dict = {}
    for assessment in rounds:
        groups.setdefault(assessment.department, []).append(assessment)
    idle = [d for d in departments(access) if d not in groups]
    return render(request, "assessments/index.html", _base(
        access, groups=list(groups.items()), idle_departments=idle))


@tenant_view("view")
@require_safe
def department(request, access, department_id):
    dept = get_department(access, department_id)
    rounds = selectors.department_assessments(access, dept)
    results = selectors.results_by_assessment(rounds)
    counts = selectors.response_counts([a.pk for a in rounds])
    for assessment in rounds:
        texts = model_texts(assessment.model_version)
        assessment.result = results[assessment.pk]
        assessment.counts = counts[assessment.pk]
        assessment.texts = texts
        assessment.level_name = texts.level_name(assessment.result.overall.level)
        assessment.dimension_levels = [(texts.dimension_name(d.key), d.level, d.index)
                                       for d in assessment.result.dimensions]
    scored = [a for a in rounds if a.counts["submitted"] and a.counts_in_results]
    return render(request, "assessments/department.html", _base(
        access, department=dept, rounds=list(reversed(rounds)),
        trend=_trend(scored)))


def _trend(rounds) -> dict | None:
    """An inline SVG line of the overall index over the rounds (oldest first)."""
    if not rounds:
        return None
    width, height, pad = 640, 200, 32
    top = max(a.result.levels for a in rounds)
    step = (width - 2 * pad) / max(1, len(rounds) - 1)
    points = []
    for i, assessment in enumerate(rounds):
        x = pad + (i * step if len(rounds) > 1 else (width - 2 * pad) / 2)
        y = height - pad - (assessment.result.overall.index - 1) / max(1, top - 1) * (
            height - 2 * pad)
        points.append({"x": round(x, 1), "y": round(y, 1), "assessment": assessment,
                       "index": assessment.result.overall.index})
    grid = [{"level": n, "y": round(height - pad - (n - 1) / max(1, top - 1)
                                    * (height - 2 * pad), 1)} for n in range(1, top + 1)]
    return {"width": width, "height": height, "pad": pad, "points": points, "grid": grid,
            "polyline": " ".join(f"{p['x']},{p['y']}" for p in points)}


# --- One round ---------------------------------------------------------------------------------


@tenant_view("view", write="assess")
@require_safe
def detail(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    people = selectors.respondents(assessment)
    total_questions = len(snapshot(assessment.model_version).questions)
    counts = selectors.response_counts([assessment.pk])[assessment.pk]
    for response in people:
        response.percent = percent(response.n_answered / total_questions) \
            if total_questions else 100
    result = selectors.assessment_results(assessment)
    summary = present(result, model_texts(assessment.model_version),
                      target_is_default=assessment.target_level is None)
    summary["more_steps"] = max(0, len(summary["next_steps"]) - MAX_STEPS)
    summary["next_steps"] = summary["next_steps"][:MAX_STEPS]
    mine = next((r for r in people if r.user_id == request.user.pk), None)
    return render(request, "assessments/detail.html", _base(
        access, assessment=assessment, respondents=people, counts=counts, summary=summary,
        result=result, total_questions=total_questions, my_response=mine,
        can_assess=access.can("assess"), can_reopen=access.can("reopen")))


@tenant_view("assess", write="assess")
def create(request, access):
    versions = selectors.usable_versions(access)
    initial = {}
    if request.GET.get("department"):
        try:
            initial["department"] = get_department(access, request.GET["department"])
        except Http404:  # a stale link just leaves the choice open
            initial = {}
    if request.method != "POST":
        initial["model_version"] = selectors.suggested_version(access,
                                                               initial.get("department"))
    form = AssessmentForm(*_posted(request), initial=initial,
                          departments=departments(access), versions=versions)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.assessment_create, form=form, by=access, request=request,
            **form.cleaned_data, done=_("The assessment is ready as a draft. Add "
                                        "respondents, then open it for answers."))
        if outcome.ok:
            return _to_detail(access, outcome.result)
    return render(request, "assessments/form.html", _base(
        access, form=form, heading=_("Start an assessment"), has_versions=versions.exists()))


@tenant_view("assess", write="assess")
def edit(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    if assessment.is_closed:
        messages.error(request, _("A closed assessment is read-only. Reopen it first."))
        return _to_detail(access, assessment)
    if assessment.is_cancelled:
        messages.error(request, _("This assessment was cancelled; nothing in it can change."))
        return _to_detail(access, assessment)
    form = AssessmentEditForm(*_posted(request), instance=assessment,
                              levels=snapshot(assessment.model_version).top)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.assessment_update, form=form, by=access, assessment=assessment,
            request=request, **{f: form.cleaned_data[f] for f in form.fields}, done=_("Saved."))
        if outcome.ok:
            return _to_detail(access, assessment)
    return render(request, "assessments/form.html", _base(
        access, form=form, assessment=assessment, heading=_("Edit the assessment"),
        has_versions=True))


def _transition(request, access, assessment_id, service, done: str):
    assessment = selectors.get_assessment(access, assessment_id)
    call_service(request, service, by=access, assessment=assessment, request=request,
                 done=done)
    return _to_detail(access, assessment)


@tenant_view("assess", write="assess")
@require_POST
def open_round(request, access, assessment_id):
    return _transition(request, access, assessment_id, services.assessment_open,
                       _("The assessment is open. Respondents have been emailed."))


@tenant_view("assess", write="assess")
@require_POST
def close_round(request, access, assessment_id):
    return _transition(request, access, assessment_id, services.assessment_close,
                       _("The assessment is closed. Its results are final."))


@tenant_view("reopen", write="reopen")
@require_POST
def reopen_round(request, access, assessment_id):
    return _transition(request, access, assessment_id, services.assessment_reopen,
                       _("The assessment is open again."))


@tenant_view("assess", write="assess")
def cancel_round(request, access, assessment_id):
    """Asks first (a page of its own: what is kept, what stops), then cancels."""
    assessment = selectors.get_assessment(access, assessment_id)
    if request.method == "POST":
        return _transition(request, access, assessment_id, services.assessment_cancel,
                           _("The assessment is cancelled. Its answers are kept, and it "
                             "counts in no result."))
    return render(request, "assessments/confirm.html", _base(
        access, assessment=assessment, action="cancel",
        counts=selectors.response_counts([assessment.pk])[assessment.pk]))


@tenant_view("assess", write="assess")
def delete_round(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    if request.method == "POST":
        outcome = call_service(
            request, services.assessment_delete, by=access, assessment=assessment,
            request=request, done=_("The draft “%(name)s” is deleted.") % {
                "name": assessment.name})
        if not outcome.ok:
            return _to_detail(access, assessment)
        return redirect("assessments:department", org_slug=access.organisation.slug,
                        department_id=assessment.department.public_id)
    return render(request, "assessments/confirm.html", _base(
        access, assessment=assessment, action="delete",
        counts=selectors.response_counts([assessment.pk])[assessment.pk]))


# --- Respondents ----------------------------------------------------------------------------------


@tenant_view("assess", write="assess")
def invite(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    form = InviteForm(*_posted(request), initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.respondent_invite, form=form, by=access, assessment=assessment,
            request=request, **form.cleaned_data,
            done=lambda _response: (
                _("%(email)s is invited.") if assessment.is_open
                else _("%(email)s will get the link when the assessment opens."))
            % form.cleaned_data)
        if outcome.ok:
            if "another" in request.POST:
                return redirect("assessments:invite", org_slug=access.organisation.slug,
                                assessment_id=assessment.public_id)
            return _to_detail(access, assessment)
    return render(request, "assessments/invite.html", _base(
        access, form=form, assessment=assessment))


@tenant_view("assess", write="assess")
def add_members(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    form = MembersForm(*_posted(request),
                       members=selectors.assessing_members(access, assessment))
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.respondents_add_members, form=form, by=access,
            assessment=assessment, users=form.cleaned_data["users"], request=request,
            done=lambda added: ngettext("%(count)s respondent added.",
                                        "%(count)s respondents added.",
                                        len(added)) % {"count": len(added)})
        if outcome.ok:
            return _to_detail(access, assessment)
    return render(request, "assessments/members.html", _base(
        access, form=form, assessment=assessment))


@tenant_view("assess", write="assess")
@require_POST
def remind_all(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    call_service(request, services.respondents_remind_all, by=access, assessment=assessment,
                 request=request,
                 done=lambda count: _("Reminders sent: %(count)s.") % {"count": count})
    return _to_detail(access, assessment)


@tenant_view("assess", write="assess")
@require_POST
def remind(request, access, assessment_id, response_id):
    assessment = selectors.get_assessment(access, assessment_id)
    response = selectors.get_response(access, assessment, response_id)
    call_service(request, services.respondent_remind, by=access, response=response,
                 request=request,
                 done=_("Reminder sent to %(who)s.") % {"who": response.display_name})
    return _to_detail(access, assessment)


@tenant_view("assess", write="assess")
@require_POST
def renew_link(request, access, assessment_id, response_id):
    assessment = selectors.get_assessment(access, assessment_id)
    response = selectors.get_response(access, assessment, response_id)
    call_service(request, services.respondent_renew_link, by=access, response=response,
                 request=request, done=_("%(who)s has a new link by email; the previous link "
                                         "no longer works.") % {"who": response.display_name})
    return _to_detail(access, assessment)


@tenant_view("assess", write="assess")
@require_POST
def revoke(request, access, assessment_id, response_id):
    assessment = selectors.get_assessment(access, assessment_id)
    response = selectors.get_response(access, assessment, response_id)
    call_service(request, services.respondent_revoke, by=access, response=response,
                 request=request,
                 done=_("The link of %(who)s no longer works.") % {"who": response.display_name})
    return _to_detail(access, assessment)


# --- Answers on paper, and exports -------------------------------------------------------------


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _filename(assessment, what: str, extension: str) -> str:
    stem = slugify(f"{assessment.department.name} {assessment.name}") or "assessment"
    return f"{stem}-{what}.{extension}"


PENDING_IMPORT = "assessments.offline_import"


def _pending_import(request, access, assessment) -> sheets.ImportPlan | None:
    """The import waiting for this person's confirmation, if the posted key is its key."""
    pending = request.session.get(PENDING_IMPORT)
    if (not isinstance(pending, dict) or not request.POST.get("confirm")
            or pending.get("key") != request.POST["confirm"]
            or pending.get("assessment") != str(assessment.public_id)):
        return None
    response = None
    if pending["plan"]["response"]:
        try:
            response = selectors.get_response(access, assessment, pending["plan"]["response"])
        except Http404:
            return None
    plan = pending["plan"]
    return sheets.ImportPlan(answers=plan["answers"], response=response, name=plan["name"],
                             submit=plan["submit"], replaced=plan["replaced"])


def _ask_confirmation(request, assessment, plan: sheets.ImportPlan) -> str:
    """Keep the checked sheet in the session until the importer confirms it; the key
    goes into the confirmation form (a second upload replaces a pending one)."""
    key = secrets.token_urlsafe(16)
    request.session[PENDING_IMPORT] = {"key": key, "assessment": str(assessment.public_id),
                                       "plan": plan.to_session()}
    return key


@tenant_view("assess", write="assess")
def offline(request, access, assessment_id):
    """Answers on paper: upload, check, and (when the sheet replaces someone's own
    answers or submits for them) a confirmation naming them before anything is written."""
    assessment = selectors.get_assessment(access, assessment_id)
    confirming = request.method == "POST" and "confirm" in request.POST
    form = OfflineUploadForm(*(() if confirming else _posted(request, files=True)),
                             responses=selectors.respondents(assessment))
    problems, plan, confirm_key, response = [], None, None, None
    try:
        if confirming:
            plan = _pending_import(request, access, assessment)
            if plan is None:
                problems = [_("This upload is no longer waiting for confirmation; upload the "
                              "sheet again.")]
            else:
                response = sheets.offline_answers_import(by=access, assessment=assessment,
                                                         plan=plan, confirmed=True,
                                                         request=request)
        elif request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            plan = sheets.offline_answers_check(
                by=access, assessment=assessment, data=upload.read(), filename=upload.name,
                response=form.response, name=form.cleaned_data.get("new_name", ""),
                submit=form.cleaned_data["submit"])
            if plan.needs_confirmation:
                raise sheets.ConfirmationNeeded(plan)
            response = sheets.offline_answers_import(by=access, assessment=assessment,
                                                     plan=plan, request=request)
    except sheets.ConfirmationNeeded as needed:
        plan = needed.plan
        confirm_key = _ask_confirmation(request, assessment, plan)
    except sheets.SheetError as error:
        problems = error.problems
    except services.AnswerRefused as refused:
        problems = [refused.message]
    except ValidationError as error:
        problems = error.messages
    if response is not None:  # imported
        request.session.pop(PENDING_IMPORT, None)
        message = (_("The answers of %(who)s are saved and submitted.") if plan.submit
                   else _("The answers of %(who)s are saved."))
        messages.success(request, message % {"who": response.display_name})
        return _to_detail(access, assessment)
    return render(request, "assessments/offline.html", _base(
        access, form=form, assessment=assessment, problems=problems,
        columns=sheets.COLUMNS, plan=plan if confirm_key else None, confirm_key=confirm_key))


@tenant_view("assess")
@require_safe
def template_csv(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    return _download(sheets.template_csv(assessment.model_version), sheets.CSV_TYPE,
                     _filename(assessment, "answer-sheet", "csv"))


@tenant_view("assess")
@require_safe
def template_xlsx(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    return _download(sheets.template_xlsx(assessment.model_version), sheets.XLSX_TYPE,
                     _filename(assessment, "answer-sheet", "xlsx"))


@tenant_view("assess")
@require_safe
def export_csv(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    return _download(sheets.export_csv(assessment, names=names_visible(
        access, assessment.anonymity)), sheets.CSV_TYPE,
                     _filename(assessment, "answers", "csv"))


@tenant_view("assess")
@require_safe
def export_xlsx(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    return _download(sheets.export_xlsx(assessment, names=names_visible(
        access, assessment.anonymity)), sheets.XLSX_TYPE,
                     _filename(assessment, "answers", "xlsx"))
