"""Assessment pages inside an organisation. Thin: selectors read, services write."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from models_catalog.snapshot import snapshot
from models_catalog.texts import model_texts
from organisations.access import tenant_view
from organisations.selectors import departments, get_department
from organisations.service_views import call_service

from . import followup, selectors, services
from . import offline as sheets
from . import session as consensus
from .anonymity import MIN_GROUP_SIZE, names_visible, withheld, withheld_download
from .forms import (
    AssessmentEditForm,
    AssessmentForm,
    GroupsForm,
    InviteForm,
    MembersForm,
    NextRoundForm,
    OfflineUploadForm,
    SharedLinkForm,
    version_label,
)
from .presentation import (
    compared_per_dimension,
    dimension_lines,
    percent,
    present,
    scale_share,
    versions_note,
)


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


def _scored(assessment) -> bool:
    """Whether a list of rounds shows the round's result: it counts, someone submitted,
    and anyone may see it (``anonymity.withheld``); the others are not scored."""
    return (assessment.counts_in_results and assessment.counts["submitted"] > 0
            and assessment.withheld is None)


@tenant_view("view")
@require_safe
def index(request, access):
    rounds = list(selectors.assessments(access).order_by("department__name", "-created_at"))
    counts = selectors.response_counts([a.pk for a in rounds])
    for assessment in rounds:
        assessment.counts = counts[assessment.pk]
        assessment.withheld = withheld(assessment, assessment.counts)
    results = selectors.results_by_assessment([a for a in rounds if _scored(a)])
    for assessment in rounds:
        assessment.result = results.get(assessment.pk)
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
    counts = selectors.response_counts([a.pk for a in rounds])
    for assessment in rounds:
        assessment.counts = counts[assessment.pk]
        assessment.withheld = withheld(assessment, assessment.counts)
    results = selectors.results_by_assessment([a for a in rounds if _scored(a)])
    for assessment in rounds:
        assessment.result = results.get(assessment.pk)
        if assessment.result is None:
            continue
        texts = model_texts(assessment.model_version)
        assessment.texts = texts
        assessment.level_name = texts.level_name(assessment.result.overall.level)
        assessment.dimension_levels = [(texts.dimension_name(d.key), d.level, d.index)
                                       for d in assessment.result.dimensions]
    scored = [a for a in rounds if a.is_reported]
    return render(request, "assessments/department.html", _base(
        access, department=dept, rounds=list(reversed(rounds)),
        trend=_trend(scored), min_group_size=MIN_GROUP_SIZE))


def _trend(rounds) -> dict | None:
    """An inline SVG line of the overall index over the rounds (oldest first).

    Rounds on different versions of one model are compared per dimension instead
    (``presentation.dimension_lines``, as the organisation report's trend), with a note
    that says so."""
    if not rounds:
        return None
    width, height, pad = 640, 200, 32
    top = max(a.result.levels for a in rounds)
    step = (width - 2 * pad) / max(1, len(rounds) - 1)

    def y_of(index: float) -> float:
        return round(height - pad - scale_share(index, top) * (height - 2 * pad), 1)

    points = []
    for i, assessment in enumerate(rounds):
        x = pad + (i * step if len(rounds) > 1 else (width - 2 * pad) / 2)
        points.append({"x": round(x, 1), "y": y_of(assessment.result.overall.index),
                       "assessment": assessment, "index": assessment.result.overall.index})
    grid = [{"level": n, "y": y_of(n)} for n in range(1, top + 1)]
    trend = {"width": width, "height": height, "pad": pad, "points": points, "grid": grid,
             "polyline": " ".join(f"{p['x']},{p['y']}" for p in points)}
    versions = sorted({a.model_version.number for a in rounds})
    if len({a.model_version.model_id for a in rounds}) == 1 and compared_per_dimension(versions):
        indices = [{d.key: d.index for d in a.result.dimensions} for a in rounds]
        lines = []
        for n, line in enumerate(dimension_lines(indices, rounds[-1].texts)):
            marks = [(p["x"], y_of(index), p["assessment"].name, index)
                     for p, index in zip(points, line.indices, strict=True)
                     if index is not None]
            lines.append({"name": line.name, "colour": n % 8, "marks": marks,
                          "polyline": " ".join(f"{x},{y}" for x, y, _n, _i in marks)})
        trend["dimensions"] = lines
        trend["note"] = versions_note(versions)
    return trend


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
    # An anonymous round with too few submitted responses: nothing is scored at all.
    hidden = withheld(assessment, counts)
    result = summary = group_summary = None
    if hidden is None and counts["submitted"] and not assessment.is_cancelled:
        result = selectors.assessment_results(assessment)
        before, agreed = consensus.session_outcome(assessment)
        texts = model_texts(assessment.model_version)
        summary = present(result, texts, target_is_default=assessment.target_level is None,
                          before=before, agreed=agreed)
        group_summary = selectors.group_summary(assessment, result, texts, responses=people)
        summary["more_steps"] = max(0, len(summary["next_steps"]) - MAX_STEPS)
        summary["next_steps"] = summary["next_steps"][:MAX_STEPS]
    mine = next((r for r in people if r.user_id == request.user.pk), None)
    links = selectors.links_to_copy(access, assessment, people) \
        if access.can("assess") else {"personal": {}, "shared": []}
    for response in people:
        response.copy_url = links["personal"].get(response.pk)
    return render(request, "assessments/detail.html", _base(
        access, assessment=assessment, respondents=people, counts=counts, summary=summary,
        result=result, withheld=hidden, group_summary=group_summary,
        shared_links=links["shared"],
        total_questions=total_questions, my_response=mine,
        can_assess=access.can("assess"), can_reopen=access.can("reopen")))


@tenant_view("assess", write="assess")
def create(request, access):
    versions = selectors.usable_versions(access)
    choices = departments(access)
    suggested = selectors.suggested_versions(access, choices)
    initial = {}
    if request.GET.get("department"):
        try:
            initial["department"] = get_department(access, request.GET["department"])
        except Http404:  # a stale link just leaves the choice open
            initial = {}
    if request.method != "POST":
        # The department the form shows first: the one asked for, else the list's first.
        department = initial.get("department") or choices.first()
        initial["model_version"] = suggested[department.pk if department else None]
    form = AssessmentForm(*_posted(request), initial=initial, departments=choices,
                          versions=versions, suggested=suggested)
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


@tenant_view("assess", write="assess")
def start_next(request, access, assessment_id):
    """"Start the next round" of a closed round: a draft with its settings and
    respondents (``followup.assessment_start_next``)."""
    assessment = selectors.get_assessment(access, assessment_id)
    if not assessment.is_closed:
        messages.error(request, _("Only a closed round can be followed by a next round."))
        return _to_detail(access, assessment)
    version = assessment.model_version
    latest = followup.latest_version(version, access)
    newer = latest is not None and latest.number > version.number
    choices = []
    if version.status == version.Status.PUBLISHED or not newer:
        # A retired version takes no new round: not offered when a newer one is there.
        choices.append((followup.SAME_VERSION, _("The same version: %(version)s")
                        % {"version": version_label(version)}))
    if newer:
        choices.append((followup.LATEST_VERSION, _("The latest published version: %(version)s")
                        % {"version": version_label(latest)}))
    form = NextRoundForm(*_posted(request), choices=choices)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, followup.assessment_start_next, form=form, by=access,
            assessment=assessment, request=request, **form.cleaned_data,
            done=lambda new: _("The next round is ready as a draft. It opens itself on "
                               "%(date)s.") % {"date": formats.date_format(new.opens_on)}
            if new.opens_on else _("The next round is ready as a draft. Check the "
                                   "respondents, then open it for answers."))
        if outcome.ok:
            return _to_detail(access, outcome.result)
    return render(request, "assessments/form.html", _base(
        access, form=form, assessment=assessment, heading=_("Start the next round"),
        has_versions=True, submit_label=_("Create the next round"), next_round=True))


def _transition(request, access, assessment_id, service, done: str):
    assessment = selectors.get_assessment(access, assessment_id)
    call_service(request, service, by=access, assessment=assessment, request=request,
                 done=done)
    return _to_detail(access, assessment)


@tenant_view("assess", write="assess")
@require_POST
def open_round(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    # Counted before it opens: a worker sends the emails after the commit.
    waiting = selectors.awaiting_invitation(assessment).count()
    done = ngettext("The assessment is open. The invitation is being emailed to "
                    "%(count)s respondent.",
                    "The assessment is open. The invitations are being emailed to "
                    "%(count)s respondents.", waiting) % {"count": waiting} if waiting \
        else _("The assessment is open. Nobody was waiting for an invitation.")
    call_service(request, services.assessment_open, by=access, assessment=assessment,
                 request=request, done=done)
    return _to_detail(access, assessment)


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
    form = InviteForm(*_posted(request), assessment=assessment,
                      initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.respondent_invite, form=form, by=access, assessment=assessment,
            request=request, **form.cleaned_data,
            done=lambda _response: (
                _("%(email)s is invited. The invitation is being emailed.")
                if assessment.is_open
                else _("%(email)s will get the link when the assessment opens."))
            % form.cleaned_data)
        if outcome.ok:
            if "another" in request.POST:
                return redirect("assessments:invite", org_slug=access.organisation.slug,
                                assessment_id=assessment.public_id)
            return _to_detail(access, assessment)
    return render(request, "assessments/invite.html", _base(
        access, form=form, assessment=assessment,
        group_suggestions=services.suggested_groups(assessment)))


@tenant_view("assess", write="assess")
def add_members(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    form = MembersForm(*_posted(request),
                       members=selectors.assessing_members(access, assessment))
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.respondents_add_members, form=form, by=access,
            assessment=assessment, users=form.cleaned_data["users"],
            group=form.cleaned_data["group"], request=request,
            done=lambda added: _members_added(assessment, len(added)))
        if outcome.ok:
            return _to_detail(access, assessment)
    return render(request, "assessments/members.html", _base(
        access, form=form, assessment=assessment,
        group_suggestions=services.suggested_groups(assessment)))


def _members_added(assessment, count: int) -> str:
    if count and assessment.is_open:  # a worker emails them after the commit
        return ngettext("%(count)s respondent added. The invitation is being emailed.",
                        "%(count)s respondents added. Their invitations are being emailed.",
                        count) % {"count": count}
    return ngettext("%(count)s respondent added.", "%(count)s respondents added.",
                    count) % {"count": count}


@tenant_view("assess", write="assess")
def groups(request, access, assessment_id):
    """Every respondent's group on one page, while the round can change."""
    assessment = selectors.get_assessment(access, assessment_id)
    if not assessment.is_changeable:
        messages.error(request, _("Groups can be changed while the round is a draft or open."))
        return _to_detail(access, assessment)
    form = GroupsForm(*_posted(request), responses=selectors.respondents(assessment))
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.respondents_set_groups, form=form, by=access,
            assessment=assessment, groups=form.groups(), request=request,
            done=_("The groups are saved."))
        if outcome.ok:
            return _to_detail(access, assessment)
    return render(request, "assessments/groups.html", _base(
        access, form=form, assessment=assessment, min_group_size=MIN_GROUP_SIZE,
        group_suggestions=services.suggested_groups(assessment)))


# --- Shared links -----------------------------------------------------------------------------


@tenant_view("assess", write="assess")
def shared_link_create(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    if not assessment.is_changeable:
        messages.error(request, _("Links can be added while the round is a draft or open."))
        return _to_detail(access, assessment)
    form = SharedLinkForm(*_posted(request), assessment=assessment, initial={
        "language": get_language(), "cap": 50,
        "expires_on": services.shared_link_default_expiry(assessment)})
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            request, services.shared_link_create, form=form, by=access, assessment=assessment,
            request=request, **form.cleaned_data,
            done=_("The shared link is ready: copy it from the list of links."))
        if outcome.ok:
            return redirect(reverse("assessments:detail", args=[
                access.organisation.slug, assessment.public_id]) + "#links")
    return render(request, "assessments/shared_link_form.html", _base(
        access, form=form, assessment=assessment,
        group_suggestions=services.suggested_groups(assessment)))


@tenant_view("assess", write="assess")
@require_POST
def shared_link_revoke(request, access, assessment_id, link_id):
    assessment = selectors.get_assessment(access, assessment_id)
    link = selectors.get_shared_link(access, assessment, link_id)
    call_service(request, services.shared_link_revoke, by=access, link=link, request=request,
                 done=_("The shared link “%(name)s” no longer works.") % {"name": link.label})
    return _to_detail(access, assessment)


@tenant_view("assess", write="assess")
@require_POST
def remind_all(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    call_service(request, services.respondents_remind_all, by=access, assessment=assessment,
                 request=request,
                 done=_reminders_on_their_way)
    return _to_detail(access, assessment)


def _reminders_on_their_way(reminders: services.Reminders) -> str:
    if not reminders.count:
        return _("Nobody is waiting for a reminder: everyone has submitted, or their link "
                 "is withdrawn.")
    if not reminders.new:  # "Remind everyone" twice before the worker sent the first
        return ngettext(
            "An email to the one respondent waiting for a reminder is already on its way; "
            "they are not emailed twice.",
            "Emails to the %(count)s respondents waiting for a reminder are already on "
            "their way; nobody is emailed twice.",
            reminders.count) % {"count": reminders.count}
    if reminders.already_owed:
        return ngettext(
            "A reminder is being emailed to %(count)s respondent; emails to the others "
            "waiting (%(owed)s) were already on their way.",
            "Reminders are being emailed to %(count)s respondents; emails to the others "
            "waiting (%(owed)s) were already on their way.",
            reminders.new) % {"count": reminders.new, "owed": reminders.already_owed}
    return ngettext("A reminder is being emailed to %(count)s respondent.",
                    "Reminders are being emailed to %(count)s respondents.",
                    reminders.count) % {"count": reminders.count}


@tenant_view("assess", write="assess")
@require_POST
def remind(request, access, assessment_id, response_id):
    assessment = selectors.get_assessment(access, assessment_id)
    response = selectors.get_response(access, assessment, response_id)
    call_service(request, services.respondent_remind, by=access, response=response,
                 request=request,
                 done=_("A reminder is being emailed to %(who)s.") % {
                     "who": response.display_name})
    return _to_detail(access, assessment)


@tenant_view("assess", write="assess")
@require_POST
def renew_link(request, access, assessment_id, response_id):
    assessment = selectors.get_assessment(access, assessment_id)
    response = selectors.get_response(access, assessment, response_id)
    call_service(request, services.respondent_renew_link, by=access, response=response,
                 request=request, done=_("A new link is being emailed to %(who)s; the "
                                         "previous link no longer works.") % {
                     "who": response.display_name})
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
        columns=sheets.COLUMNS, plan=plan if confirm_key else None, confirm_key=confirm_key,
        options=snapshot(assessment.model_version).options))


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
    if hidden := selectors.results_withheld(assessment):
        return withheld_download(hidden)
    return _download(sheets.export_csv(assessment, names=names_visible(
        access, assessment.anonymity)), sheets.CSV_TYPE,
                     _filename(assessment, "answers", "csv"))


@tenant_view("assess")
@require_safe
def export_xlsx(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    if hidden := selectors.results_withheld(assessment):
        return withheld_download(hidden)
    return _download(sheets.export_xlsx(assessment, names=names_visible(
        access, assessment.anonymity)), sheets.XLSX_TYPE,
                     _filename(assessment, "answers", "xlsx"))


# --- The consensus session -------------------------------------------------------------------


def _session_context(access, board) -> dict:
    return _base(access, assessment=board.assessment, board=board,
                 can_record=access.can("assess"), note_max=services.MAX_COMMENT_LENGTH)


@tenant_view("view", write="assess")
@require_safe
def session(request, access, assessment_id):
    """The consensus session, made for a projector: the statements respondents disagree
    on most, and the answer the team agrees (recorded here or on another device: the
    page polls ``session_updates``)."""
    assessment = selectors.get_assessment(access, assessment_id)
    hidden = selectors.results_withheld(assessment)
    if hidden is not None or not assessment.session_available:
        return render(request, "assessments/session_unavailable.html", _base(
            access, assessment=assessment, can_assess=access.can("assess"), withheld=hidden))
    return render(request, "assessments/session.html",
                  _session_context(access, consensus.session_board(assessment)))


@tenant_view("view")
@require_safe
def session_updates(request, access, assessment_id):
    """What changed since the page's ``since`` stamp, as htmx out-of-band swaps; 204
    (nothing to swap) while nothing did, which is one cheap query every few seconds."""
    assessment = selectors.get_assessment(access, assessment_id)
    if not assessment.session_available or consensus.stamp(assessment) == request.GET.get(
            "since") or selectors.results_withheld(assessment) is not None:
        return HttpResponse(status=204)
    return render(request, "assessments/_session_updates.html",
                  _session_context(access, consensus.session_board(assessment)))


@tenant_view("assess", write="assess")
@require_POST
def session_start(request, access, assessment_id):
    assessment = selectors.get_assessment(access, assessment_id)
    outcome = call_service(request, services.session_start, by=access, assessment=assessment,
                           request=request)
    if outcome.ok:
        return redirect("assessments:session", org_slug=access.organisation.slug,
                        assessment_id=assessment.public_id)
    return _to_detail(access, assessment)


@tenant_view("assess", write="assess")
@require_POST
def session_record(request, access, assessment_id):
    """Record (or, with "remove", take back) the agreed answer of one statement. From the
    session page with htmx: answers its changes as out-of-band swaps; without
    JavaScript: back to the statement on the page, with a message."""
    assessment = selectors.get_assessment(access, assessment_id)
    key = request.POST.get("question", "")
    option = "" if "remove" in request.POST else request.POST.get("option", "")
    htmx = request.headers.get("HX-Request") == "true"
    problem = None
    if not option and "remove" not in request.POST:
        problem = _("Choose the answer the team agreed on.")
    else:
        try:
            services.consensus_record(by=access, assessment=assessment, question=key,
                                      option=option, note=request.POST.get("note", ""),
                                      request=request)
        except ValidationError as error:
            problem = " ".join(error.messages)
    shown = assessment.session_available and selectors.results_withheld(assessment) is None
    board = consensus.session_board(assessment) if shown else None
    if htmx and board is not None:
        anchor = next((s.anchor for s in board.statements if s.key == key), None)
        return render(request, "assessments/_session_updates.html", {
            **_session_context(access, board), "problem": problem, "problem_anchor": anchor})
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("Recorded."))
    anchor = next((s.anchor for s in board.statements if s.key == key), "") if board else ""
    url = reverse("assessments:session", args=[access.organisation.slug,
                                               assessment.public_id])
    return redirect(f"{url}#{anchor}" if anchor else url)
