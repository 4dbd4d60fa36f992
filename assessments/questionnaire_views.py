"""The questionnaire: one implementation, two ways in.

A member answers signed in, at ``/o/<org>/assessments/<id>/answer/…`` (a
``tenant_view``); a person invited by email answers through their personal link,
``/r/<token>/…``, which opens exactly that one response. Both resolve a
:class:`Seat` (which assessment, which response, how to build this path's URLs)
and then share the views below.

Answers are saved one at a time as they are given (``save``, JSON, used by
static/js/questionnaire.js). Without JavaScript, each dimension page is a plain
form whose button saves the page and moves on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from organisations import branding
from organisations.access import OrgAccess, tenant_view

from . import followup, services
from .anonymity import MIN_GROUP_SIZE
from .models import Assessment, Response, SharedLink
from .selectors import (
    get_assessment,
    member_response,
    questionnaire,
)
from .selectors import response_by_token as _response_by_token
from .selectors import response_replaced_by_token as _response_replacing
from .selectors import shared_link_by_token as _shared_link_by_token

_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted in a path
# Each page's URL below the questionnaire's own (its "start" page): the member's
# (assessments:answer…) and the link's (respondent:…) differ only in that base.
PAGES = {"start": "", "review": "review/", "save": "save/", "submit": "submit/"}


@dataclass
class Seat:
    """Who answers which assessment, and through which path."""

    assessment: Assessment
    response: Response  # unsaved for a member who has not answered yet
    token: str | None = None
    access: OrgAccess | None = None

    @property
    def via_link(self) -> bool:
        return self.token is not None

    @cached_property
    def base_url(self) -> str:
        """The questionnaire's start page: reversed once per request, the other
        pages' URLs are below it (tests/test_questionnaire.py compares with reverse())."""
        if self.token is not None:
            return reverse("respondent:start", args=[self.token])
        return reverse("assessments:answer", args=[self.assessment.organisation.slug,
                                                   self.assessment.public_id])

    def url(self, page: str, dimension_key: str | None = None) -> str:
        """A page of this questionnaire."""
        if page == "dimension":
            # Quoted as reverse() quotes a path argument.
            return f"{self.base_url}dimension/{quote(dimension_key, safe=_PATH_SAFE)}/"
        return self.base_url + PAGES[page]

    @property
    def storage_key(self) -> str:
        """Where the browser keeps answers not saved yet: one place per response."""
        if self.token is not None:
            return f"maturity-answers:{self.response.public_id}"
        return f"maturity-answers:{self.assessment.public_id}:{self.response.user_id}"

    def writable_response(self) -> Response:
        if self.response.pk is None:
            self.response = services.member_response(assessment=self.assessment,
                                                     user=self.response.user)
            self.response.assessment = self.assessment
        return self.response

    @property
    def refusal(self) -> services.AnswerRefused | None:
        return services.refusal(self.response, self.assessment)


# --- The shared views ---------------------------------------------------------------------

# What the questionnaire says at the top when its model is not translated into the page's
# language (ModelVersion.fallback_language): the interface is in the reader's language,
# the model's texts in the one they fall back to. A sentence per fallback language, so
# that each translation can name its own language and the other one as its grammar wants.
MODEL_LANGUAGE_MISSING = {
    # Translators: "this language" is the language you translate into: name it ("på norsk").
    "en": gettext_lazy("This maturity model is not available in this language: its "
                       "statements, levels and answer scale are shown in English."),
    # Translators: "this language" is the language you translate into: name it ("på norsk").
    "sv": gettext_lazy("This maturity model is not available in this language: its "
                       "statements, levels and answer scale are shown in Swedish."),
    # Translators: "this language" is the language you translate into: name it ("på norsk").
    "hu": gettext_lazy("This maturity model is not available in this language: its "
                       "statements, levels and answer scale are shown in Hungarian."),
    # Translators: "this language" is the language you translate into: name it ("på norsk").
    "nb": gettext_lazy("This maturity model is not available in this language: its "
                       "statements, levels and answer scale are shown in Norwegian."),
}


def _context(seat: Seat, **extra) -> dict:
    version = seat.assessment.model_version
    refusal = seat.refusal
    fallback = version.fallback_language()
    return {
        "seat": seat,
        "assessment": seat.assessment,
        "organisation": seat.assessment.organisation,
        "department": seat.assessment.department,
        "version": version,
        "response": seat.response,
        "refusal": refusal,
        "readonly": refusal is not None,
        "section": "assessments",
        "start_url": seat.url("start"),
        "review_url": seat.url("review"),
        "save_url": seat.url("save"),
        "submit_url": seat.url("submit"),
        "i18n": _script_messages(),
        "model_language_missing": MODEL_LANGUAGE_MISSING.get(fallback) if fallback else None,
        "min_group_size": MIN_GROUP_SIZE,  # what the thank-you says of an anonymous round
        # A member's page is branded by the tenant path (context_processors); a link's
        # page shows the logo from the link's own URL.
        **({"brand": branding.page_branding(
            seat.assessment.organisation,
            logo_url=reverse("respondent:logo", args=[seat.token]))} if seat.via_link else {}),
        **extra,
    }


def _script_messages() -> dict:
    """The texts questionnaire.js shows, in the page's language."""
    return {
        "saving": _("Saving…"),
        "saved": _("Saved"),
        "retrying": _("Not saved yet, retrying…"),
        "failed": _("Not saved"),
        "offline": _("Some answers are not saved yet. They are kept on this device and we "
                     "keep trying; please keep this page open or come back to it later."),
        "session": _("Your session has ended or the page is out of date. Reload the page to "
                     "continue; answers not saved yet are kept on this device."),
        "answered": _("%(answered)s of %(total)s answered"),
        "savedAll": _("All answers saved."),
        "waitSubmit": _("Saving your last answers before submitting…"),
        # A save answered 404/410: the link no longer works; what is not saved stays in
        # this browser under the response's key, which a renewed link shares.
        "kept": _("Not saved: kept on this device"),
        "linkRenewed": _("This questionnaire link has been replaced by a new one, sent to "
                         "you by email. Answers not saved yet are kept on this device: open "
                         "the new link in this browser and they are saved."),
        "linkRevoked": _("This questionnaire link has been withdrawn. Answers not saved yet "
                         "are kept on this device: ask the person who invited you for a new "
                         "link and open it in this browser, and they are saved."),
        "linkExpired": _("This questionnaire link has expired. Answers not saved yet are "
                         "kept on this device: ask the person who invited you for a new link "
                         "and open it in this browser, and they are saved."),
        "linkUnknown": _("This questionnaire link no longer works. Answers not saved yet are "
                         "kept on this device: open the latest link you were sent by email "
                         "in this browser, and they are saved."),
    }


# What questionnaire.js shows for a link that no longer works, by the JSON error code.
LINK_MESSAGES = {"renewed": "linkRenewed", "revoked": "linkRevoked",
                 "expired": "linkExpired", "unknown": "linkUnknown"}


def _with_urls(seat: Seat, pages) -> None:
    for page in pages:
        page.url = seat.url("dimension", dimension_key=page.key)


def start(request, seat: Seat) -> HttpResponse:
    q = questionnaire(seat.assessment.model_version, seat.response)
    _with_urls(seat, q.pages)
    resume = next((page for page in q.pages if page.unanswered), q.pages[0] if q.pages else None)
    return render(request, "assessments/questionnaire/start.html",
                  _context(seat, q=q, resume=resume))


def dimension(request, seat: Seat, dimension_key: str) -> HttpResponse:
    q = questionnaire(seat.assessment.model_version, seat.response)
    page = q.page(dimension_key)
    if page is None:
        raise Http404
    _with_urls(seat, q.pages)
    position = q.pages.index(page)
    previous_page = q.pages[position - 1] if position > 0 else None
    next_page = q.pages[position + 1] if position + 1 < len(q.pages) else None
    if request.method == "POST" and "confirm_carried" in request.POST:
        return _confirm_carried(request, seat, page)
    if request.method == "POST":
        return _save_page(request, seat, page, next_page,
                          numbering_offset=sum(p.total for p in q.pages[:position]))
    return render(request, "assessments/questionnaire/dimension.html", _context(
        seat, q=q, page=page, number=position + 1, previous_page=previous_page,
        next_page=next_page,
        answered_elsewhere=q.answered - page.answered,
        numbering_offset=sum(p.total for p in q.pages[:position]),
    ))


def _confirm_carried(request, seat: Seat, page) -> HttpResponse:
    """The page's "Confirm the answers from last round": what it shows becomes the
    respondent's answers (``followup.carried_confirm``); then the same page again."""
    here = seat.url("dimension", dimension_key=page.key)
    if seat.response.pk is None:  # a member who has no response has nothing carried
        return redirect(here)
    try:
        confirmed = followup.carried_confirm(response=seat.response, dimension_key=page.key)
    except services.AnswerRefused as refused:
        messages.error(request, refused.message)
        return redirect(here)
    messages.success(request, ngettext("%(count)s answer from last round is confirmed.",
                                       "%(count)s answers from last round are confirmed.",
                                       confirmed) % {"count": confirmed})
    return redirect(here)


def _posted_text(value: str | None) -> str | None:
    """A comment as posted, as it is stored: browsers send line breaks as CRLF."""
    return None if value is None else value.replace("\r\n", "\n").strip()


def _save_page(request, seat: Seat, page, next_page, numbering_offset: int) -> HttpResponse:
    """The form without JavaScript: save what the person changed on this page, then
    move on.

    The form carries what it showed (``s-q-KEY``, ``s-c-KEY``, written by the statement
    cards, ``_statement_cards.html``), and a field is written only when what is posted
    differs from it: a page posted as it was loaded never overwrites what another tab saved since.
    When this page and another tab changed the same field, this page's value is saved:
    it is what the person did last, with a button that says "Save", as the autosave
    does (last save wins). They are told which statements, and stay on the page to
    check them. (A form from before the page carried what it showed is compared with
    the database, as it used to be.)
    """
    answers = {}
    clashes = []
    for number, item in enumerate(page.items, start=numbering_offset + 1):
        given = {}
        clash = False
        for field, name, stored in (("option", f"q-{item.key}", item.option),
                                    ("comment", f"c-{item.key}", item.comment)):
            posted, shown = request.POST.get(name), request.POST.get(f"s-{name}")
            if field == "comment":
                posted, shown = _posted_text(posted), _posted_text(shown)
            if posted is None or posted == (stored if shown is None else shown):
                continue  # not on the form (no option chosen), or not changed here
            given[field] = posted
            clash = clash or (shown is not None and stored not in (shown, posted))
        if given:
            answers[item.key] = given
        if clash:
            clashes.append(number)
    here = seat.url("dimension", dimension_key=page.key)
    if answers:
        try:
            with transaction.atomic():  # as in save(): no response row for refused answers
                services.answers_save(response=seat.writable_response(), answers=answers)
        except services.AnswerRefused as refused:
            messages.error(request, refused.message)
            return redirect(here)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(here)
    if clashes:
        messages.warning(request, ngettext(
            "Statement %(numbers)s had also been changed in another tab or window since "
            "this page was opened. What you entered on this page is saved; please check it.",
            "Statements %(numbers)s had also been changed in another tab or window since "
            "this page was opened. What you entered on this page is saved; please check "
            "them.", len(clashes)) % {"numbers": ", ".join(str(n) for n in clashes)})
        return redirect(here)
    return redirect(next_page.url if next_page else seat.url("review"))


def review(request, seat: Seat) -> HttpResponse:
    q = questionnaire(seat.assessment.model_version, seat.response)
    _with_urls(seat, q.pages)
    unanswered = [(page, page.unanswered) for page in q.pages if page.unanswered]
    return render(request, "assessments/questionnaire/review.html",
                  _context(seat, q=q, unanswered=unanswered))


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "error": str(message)}, status=status)


def save(request, seat: Seat) -> HttpResponse:
    """Autosave one answer and/or comment: ``{"question": key, "option"?: …, "comment"?: …}``.

    200 with what was saved; 400 for a malformed request or unknown question/option;
    409 (nothing written) once the response is submitted or the round is not open.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        # RequestDataTooBig: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, which Django would
        # answer with an HTML page the questionnaire's script cannot read.
        except (ValueError, UnicodeDecodeError, RecursionError, RequestDataTooBig):
            return _json_error(400, "invalid", _("The request could not be read."))
    else:
        payload = request.POST.dict()
    if not isinstance(payload, dict) or not isinstance(payload.get("question"), str):
        return _json_error(400, "invalid", _("The request names no question."))
    fields = {}
    for name in ("option", "comment"):
        if name in payload:
            if payload[name] is not None and not isinstance(payload[name], str):
                return _json_error(400, "invalid", _("The request could not be read."))
            fields[name] = payload[name]
    if not fields:
        return _json_error(400, "invalid", _("Nothing to save."))
    refused = seat.refusal
    if refused is not None:
        return _json_error(409, refused.code, refused.message)
    try:
        if seat.response.pk is None:
            # One transaction with the member's first answer, which creates their
            # response: a refused answer leaves no empty response behind.
            with transaction.atomic():
                saved = services.answer_save(response=seat.writable_response(),
                                             question_key=payload["question"], **fields)
        else:  # answer_save is atomic itself
            saved = services.answer_save(response=seat.response,
                                         question_key=payload["question"], **fields)
    except services.AnswerRefused as refused:
        return _json_error(409, refused.code, refused.message)
    except ValidationError as error:
        return _json_error(400, "invalid", " ".join(error.messages))
    return JsonResponse({
        "ok": True, "question": saved.question, "option": saved.option,
        "comment": saved.comment, "saved_at": saved.saved_at.isoformat(),
        "answered": saved.answered,
    })


def submit(request, seat: Seat) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.response_submit(response=seat.writable_response(), request=request)
    except services.AnswerRefused as refused:
        messages.error(request, refused.message)
        return redirect(seat.url("review"))
    # The start page thanks them and says what happens next (_base.html), once.
    return redirect(seat.url("start"))


# --- The member's way in -------------------------------------------------------------------


def _member_seat(request, access: OrgAccess, assessment_id) -> Seat:
    # One query once the member has answered: their response with its assessment.
    response = member_response(access, assessment_id, request.user)
    if response is not None:
        return Seat(assessment=response.assessment, response=response, access=access)
    assessment = get_assessment(access, assessment_id)
    response = Response(user=request.user, language=request.user.language or "en")
    response.assessment = assessment
    return Seat(assessment=assessment, response=response, access=access)


@never_cache
@tenant_view("assess", write="assess")
def member_start(request, access, assessment_id):
    return start(request, _member_seat(request, access, assessment_id))


@never_cache
@tenant_view("assess", write="assess")
def member_dimension(request, access, assessment_id, dimension_key):
    return dimension(request, _member_seat(request, access, assessment_id), dimension_key)


@never_cache
@tenant_view("assess", write="assess")
def member_review(request, access, assessment_id):
    return review(request, _member_seat(request, access, assessment_id))


@never_cache
@tenant_view("assess", write="assess")
def member_save(request, access, assessment_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return save(request, _member_seat(request, access, assessment_id))


@never_cache
@tenant_view("assess", write="assess")
def member_submit(request, access, assessment_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return submit(request, _member_seat(request, access, assessment_id))


# --- The invited person's way in --------------------------------------------------------------


def _link_state(token: str) -> tuple[Response | None, str]:
    """The response a personal link names (or the one whose link replaced it), and
    whether the link works: ``active``, ``renewed``, ``revoked``, ``expired``, ``unknown``."""
    response = _response_by_token(token)
    if response is None:
        replaced = _response_replacing(token)
        return replaced, "unknown" if replaced is None else "renewed"
    if response.revoked_at is not None:
        return response, "revoked"
    if response.expires_at is not None and response.expires_at <= timezone.now():
        return response, "expired"
    return response, "active"


def _link_seat(request, token: str, *, json: bool = False) -> Seat | HttpResponse:
    """The seat a personal link opens, or the page (or JSON) saying it does not work."""
    response, state = _link_state(token)
    # The respondent's language, unless they chose another one on the page.
    if response is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(response.language)
        request.LANGUAGE_CODE = response.language
    if state != "active":
        status = 404 if state == "unknown" else 410
        if json:
            # questionnaire.js shows its own text for the code, from the page (in the
            # page's language), and keeps the answers it could not save on the device.
            return _json_error(status, state, _script_messages()[LINK_MESSAGES[state]])
        return render(request, "assessments/questionnaire/link_unavailable.html",
                      {"state": state}, status=status)
    return Seat(assessment=response.assessment, response=response, token=token)


def _link_view(view, *, json: bool = False, post_only: bool = False):
    @never_cache
    def wrapped(request, token, **kwargs):
        if post_only and request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        seat = _link_seat(request, token, json=json)
        if isinstance(seat, HttpResponse):
            return seat
        result = view(request, seat, **kwargs)
        result.headers["X-Robots-Tag"] = "noindex, nofollow"
        return result

    wrapped.__name__ = f"link_{view.__name__}"
    return wrapped


@require_safe
def link_logo(request, token):
    """The logo of the organisation a working personal link belongs to: the
    questionnaire's pages show it from here (the link is the only credential)."""
    response, state = _link_state(token)
    if state != "active":
        raise Http404
    return _logo(response.assessment.organisation)


def _logo(organisation) -> HttpResponse:
    logo = branding.logo_response(organisation)
    patch_cache_control(logo, private=True, max_age=branding.LOGO_BROWSER_CACHE)
    logo.headers["X-Robots-Tag"] = "noindex, nofollow"
    return logo


link_start = _link_view(start)
link_dimension = _link_view(dimension)
link_review = _link_view(review)
link_save = _link_view(save, json=True, post_only=True)
link_submit = _link_view(submit, post_only=True)


# --- A shared round link ------------------------------------------------------------------

SHARED_COOKIE_SALT = "assessments.shared-link"


def _shared_cookie(link: SharedLink) -> str:
    return f"md-shared-{link.public_id.hex}"


def _resumed(request, link: SharedLink) -> Response | None:
    """The response this device started through ``link``, from its signed cookie."""
    value = request.get_signed_cookie(_shared_cookie(link), default=None,
                                      salt=SHARED_COOKIE_SALT)
    if not value:
        return None
    try:
        return Response.objects.filter(shared_link=link, public_id=value).first()
    except ValidationError:
        return None


@never_cache
def shared_start(request, token):
    """A shared link: a page that says what it is, and a button that starts a response
    of this person's own (a POST, so that link previews in chat and mail programs never
    use up the cap). The device keeps a signed cookie naming that response, and comes
    back to it from the same link; the response's own link works as well."""
    link = _shared_link_by_token(token)
    if link is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(link.language)
        request.LANGUAGE_CODE = link.language
    if link is None:
        return render(request, "assessments/questionnaire/link_unavailable.html",
                      {"state": "unknown"}, status=404)
    response = _resumed(request, link)
    if response is not None:
        personal = services.link_token(response)
        if personal is not None:
            return redirect("respondent:start", token=personal)
    problem = services.shared_link_refusal(link)
    if problem is None and request.method == "POST":
        try:
            response, personal = services.shared_link_start(
                link=link, language=translation.get_language(), request=request)
        except services.SharedLinkClosed as closed:
            problem = closed.code
        else:
            answer = redirect("respondent:start", token=personal)
            answer.set_signed_cookie(
                _shared_cookie(link), str(response.public_id), salt=SHARED_COOKIE_SALT,
                max_age=max(0, int((link.expires_at - timezone.now()).total_seconds())),
                path=reverse("respondent:shared", args=[token]),
                secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
            return answer
    elif request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    assessment = link.assessment
    page = render(request, "assessments/questionnaire/shared_start.html", {
        "link": link, "assessment": assessment, "organisation": assessment.organisation,
        "department": assessment.department, "version": assessment.model_version,
        "problem": problem,
        "brand": branding.page_branding(
            assessment.organisation, logo_url=reverse("respondent:shared_logo", args=[token])),
    }, status=200 if problem in (None, "not_open") else 410)
    page.headers["X-Robots-Tag"] = "noindex, nofollow"
    return page


@require_safe
def shared_logo(request, token):
    """The logo of the organisation a shared link belongs to (its start page shows it)."""
    link = _shared_link_by_token(token)
    if link is None:
        raise Http404
    return _logo(link.assessment.organisation)
