"""Action plans, their exports and calendar feed, and the organisation's webhooks.
Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST, require_safe

from assessments.selectors import get_assessment
from models_catalog.texts import model_texts
from organisations.access import organisation_access, tenant_view
from organisations.selectors import departments, get_department
from organisations.service_views import call_service
from reports.exports import Table, to_csv, to_xlsx

from . import calendar, selectors, services
from .forms import ActionForm, ProgressForm, WebhookForm
from .models import Action


def _render(request, access, template: str, context: dict, *, status: int = 200):
    return render(request, template, {"organisation": access.organisation, "access": access,
                                      "section": "actions", **context}, status=status)


def _posted(request) -> tuple:
    return (request.POST,) if request.method == "POST" else ()


def _to_detail(access, action):
    return redirect("improvement:detail", org_slug=access.organisation.slug,
                    action_id=action.public_id)


# ------------------------------------------------------------------------- lists


def _filter(request, access) -> selectors.ActionFilter:
    department = None
    if request.GET.get("department"):
        try:
            department = get_department(access, request.GET["department"])
        except Http404:
            department = None
    return selectors.ActionFilter(
        status=request.GET.get("status", "")[:20], owner=request.GET.get("owner", "")[:20],
        overdue=request.GET.get("overdue") == "1", department=department)


@tenant_view("view")
@require_safe
def index(request, access):
    chosen = _filter(request, access)
    items = list(selectors.filtered_actions(access, chosen))
    return _render(request, access, "improvement/index.html", {
        "actions": items, "chosen": chosen, "statuses": Action.Status.choices,
        "owners": selectors.owner_choices(access), "departments": departments(access),
        "query": request.GET.urlencode(), "can_edit": access.can("edit"),
        "can_webhooks": access.can("manage_webhooks"),
    })


@tenant_view("view")
@require_safe
def department_plan(request, access, department_id):
    department = get_department(access, department_id)
    latest = selectors.latest_round(access, department)
    return _render(request, access, "improvement/department.html", {
        "department": department, "actions": selectors.department_actions(access, department),
        "latest": latest, "can_edit": access.can("edit"),
    })


# ------------------------------------------------------------------- one action


def _round_of(request, access, department):
    """The round whose statements the form offers: the one asked for, else the
    department's newest that counts."""
    public_id = request.GET.get("round") or request.POST.get("round")
    if public_id:
        try:
            assessment = get_assessment(access, public_id)
        except Http404:
            return None
        if department is None or assessment.department_id == department.pk:
            return assessment
        return None
    return selectors.latest_round(access, department) if department else None


@tenant_view("edit")
def create(request, access):
    department_id = request.GET.get("department") or request.POST.get("department")
    department = None
    if department_id:
        try:
            department = get_department(access, department_id)
        except Http404:
            department = None
    if department is None and request.GET.get("round"):
        try:
            department = get_assessment(access, request.GET["round"]).department
        except Http404:
            department = None
    assessment = _round_of(request, access, department)
    statements = selectors.statement_choices(assessment.model_version) if assessment else []
    initial = {}
    wanted = [key for key in request.GET.getlist("statement") if key]
    if assessment and wanted:
        texts = model_texts(assessment.model_version)
        known = [key for key in wanted if key in texts.questions]
        initial["statements"] = known
        if known:
            # First in the list, where the checked boxes are seen at once.
            statements = selectors.chosen_first(statements, known,
                                                label=_("From the next step"))
            question = texts.questions[known[0]]
            initial["title"] = selectors.suggested_title(question.recommendation
                                                         or question.statement)
    form = ActionForm(*_posted(request), initial=initial, owners=selectors.owner_choices(access),
                      statements=statements,
                      department_choices=None if department else
                      [(str(d.public_id), d.name) for d in departments(access)])
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if department is None:
            department = get_department(access, data.pop("department"))
        outcome = call_service(request, services.action_create, form=form, by=access,
                               department=department, assessment=assessment,
                               request=request, **data,
                               done=_("The action is in the plan."))
        if outcome.ok:
            return _to_detail(access, outcome.result)
    return _render(request, access, "improvement/form.html", {
        "form": form, "department": department, "assessment": assessment,
        "heading": _("New action"),
    })


@tenant_view("view")
@require_safe
def detail(request, access, action_id):
    action = selectors.get_action(access, action_id)
    return _render(request, access, "improvement/detail.html", {
        "action": action, "statements": selectors.statement_texts(action),
        "notes": list(action.notes.select_related("author")),
        "progress_form": ProgressForm(initial={"status": action.status}),
        "can_edit": access.can("edit"), "next_round": selectors.next_round(action),
    })


@tenant_view("edit")
def edit(request, access, action_id):
    action = selectors.get_action(access, action_id)
    version = action.model_version or (action.assessment.model_version
                                       if action.assessment_id else None)
    initial = {"title": action.title, "statements": action.statements,
               "owner": str(action.owner_id or ""), "owner_name": action.owner_name,
               "owner_email": action.owner_email, "due_date": action.due_date,
               "done_when": action.done_when}
    form = ActionForm(*_posted(request), initial=initial, owners=selectors.owner_choices(access),
                      statements=selectors.statement_choices(version) if version else [])
    if action.due_date and action.due_date < timezone.localdate():
        form.fields["due_date"].widget.attrs.pop("min", None)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(request, services.action_update, form=form, by=access,
                               action=action, request=request, **form.cleaned_data,
                               done=_("The action is saved."))
        if outcome.ok:
            return _to_detail(access, outcome.result)
    return _render(request, access, "improvement/form.html", {
        "form": form, "action": action, "department": action.department,
        "assessment": action.assessment, "heading": _("Edit the action"),
    })


@tenant_view("edit")
@require_POST
def progress(request, access, action_id):
    action = selectors.get_action(access, action_id)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values()
                                         for e in errors))
        return _to_detail(access, action)
    call_service(request, services.action_progress, by=access, action=action,
                 request=request, **form.cleaned_data, done=_("The action is updated."))
    return _to_detail(access, action)


@tenant_view("edit")
def delete(request, access, action_id):
    action = selectors.get_action(access, action_id)
    if request.method == "POST":
        outcome = call_service(request, services.action_delete, by=access, action=action,
                               request=request, done=_("The action is removed. Answers "
                                                       "and results are unchanged."))
        if outcome.ok:
            return redirect("improvement:department", org_slug=access.organisation.slug,
                            department_id=action.department.public_id)
    return _render(request, access, "improvement/delete.html", {"action": action})


# ------------------------------------------------------------------------ exports


def _table(access, items) -> Table:
    headers = [_("Department"), _("Title"), _("Status"), _("Owner"),
               _("Owner's email address"), pgettext("action", "Due date"), _("Overdue"),
               _("Done when"), _("Statements addressed"), _("Round"), _("Created")]
    rows = [[a.department.name, a.title, a.get_status_display(), a.owner_label,
             a.owner_address, a.due_date.isoformat() if a.due_date else "",
             _("yes") if a.is_overdue else "", a.done_when, ", ".join(a.statements),
             a.assessment.name if a.assessment_id else "",
             timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M")] for a in items]
    return Table(title=_("Action plan"), headers=headers, rows=rows)


def _export(request, access, fmt: str):
    items = list(selectors.filtered_actions(access, _filter(request, access)))
    table = _table(access, items)
    stem = slugify(f"action-plan-{access.organisation.slug}")[:100]
    if fmt == "csv":
        response = HttpResponse(to_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(to_xlsx(table), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_view("view")
@require_safe
def export_csv(request, access):
    return _export(request, access, "csv")


@tenant_view("view")
@require_safe
def export_xlsx(request, access):
    return _export(request, access, "xlsx")


# ----------------------------------------------------------------------- calendar


@tenant_view("calendar_feed", write="calendar_feed")
def calendar_page(request, access):
    url = None
    if request.method == "POST":
        token = services.calendar_feed_create(by=access, request=request)
        url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
        messages.success(request, _("Your calendar link is ready. Copy it now: it is "
                                    "shown only once."))
    return _render(request, access, "improvement/calendar.html", {
        "feed": selectors.calendar_feed(access), "url": url,
    })


@tenant_view("calendar_feed", write="calendar_feed")
@require_POST
def calendar_revoke(request, access):
    if services.calendar_feed_revoke(by=access, request=request):
        messages.success(request, _("The calendar link no longer works."))
    return redirect("improvement:calendar", org_slug=access.organisation.slug)


@require_safe
def calendar_feed(request, token):
    """The feed itself, for calendar apps (no session): a wrong or revoked token, or a
    user who lost access to the organisation, is a 404."""
    feed = selectors.feed_by_token(token)
    if feed is None:
        raise Http404
    access = organisation_access(feed.user, feed.organisation.slug)  # 404 without access
    items = list(selectors.actions(access).exclude(due_date=None))
    type(feed).objects.filter(pk=feed.pk).update(last_read_at=timezone.now())
    response = HttpResponse(calendar.feed(access.organisation, items),
                            content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


# ----------------------------------------------------------------------- webhooks


@tenant_view("manage_webhooks", write="manage_webhooks")
def webhooks(request, access):
    form = WebhookForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        outcome = call_service(request, services.webhook_create, form=form, by=access,
                               request=request, **form.cleaned_data,
                               done=_("The webhook is added."))
        if outcome.ok:
            return redirect("improvement:webhook", org_slug=access.organisation.slug,
                            webhook_id=outcome.result.public_id)
    return _render(request, access, "improvement/webhooks.html", {
        "webhooks": list(selectors.webhooks(access)), "form": form,
    })


@tenant_view("manage_webhooks", write="manage_webhooks")
@require_safe
def webhook(request, access, webhook_id):
    hook = selectors.get_webhook(access, webhook_id)
    return _render(request, access, "improvement/webhook.html", {
        "webhook": hook, "deliveries": selectors.delivery_log(hook),
        "max_attempts": services.MAX_ATTEMPTS,
    })


@tenant_view("manage_webhooks", write="manage_webhooks")
@require_POST
def webhook_test(request, access, webhook_id):
    hook = selectors.get_webhook(access, webhook_id)
    call_service(request, services.webhook_send_test, by=access, webhook=hook,
                 request=request, done=_("A test event is on its way; its delivery "
                                         "appears below."))
    return redirect("improvement:webhook", org_slug=access.organisation.slug,
                    webhook_id=hook.public_id)


@tenant_view("manage_webhooks", write="manage_webhooks")
@require_POST
def webhook_delete(request, access, webhook_id):
    hook = selectors.get_webhook(access, webhook_id)
    call_service(request, services.webhook_delete, by=access, webhook=hook, request=request,
                 done=_("The webhook is removed."))
    return redirect("improvement:webhooks", org_slug=access.organisation.slug)
