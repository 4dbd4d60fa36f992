"""Assessment rounds, the people who answer them, and their answers.

An ``Assessment`` pins one published ``ModelVersion`` for good, so a past result
never changes when the model is edited. A ``Response`` is one respondent's
questionnaire: a member of the organisation (``user``), or a person invited by
email who answers through a personal link (only the SHA-256 of its token is
stored). An ``Answer`` is one response's answer to one question; there is at most
one per response and question, which the autosave relies on for its upsert.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.changes import TrackedQuerySet


class AssessmentQuerySet(TrackedQuerySet):
    def counted(self) -> AssessmentQuerySet:
        """Rounds that have results, open or closed: a round's own pages and the lists of
        rounds. Which of them stand for their department is :meth:`reported`'s."""
        return self.filter(status__in=Assessment.COUNTED)

    def reported(self) -> AssessmentQuerySet:
        """Rounds whose figures stand for their department wherever departments are
        compared or followed (the home page's overview, the organisation report and its
        PDFs and exports, the portfolio, the benchmark pool, trends, the change since the
        round before): closed rounds with at least one submitted response, whose results
        may be shown (``anonymity.results_may_show``: in an anonymous round at least
        ``anonymity.MIN_GROUP_SIZE`` submitted responses). A department's latest result
        is the newest of these; a round still open is named beside it as in progress,
        never with its figures, which move with each submission
        (``reports.selectors.latest_results``; README, "Which round's figures"). A round's
        own pages show its results while it is open (``counted``).

        EXISTS rather than a join: no DISTINCT over every selected column (the rounds'
        versions and models carry their texts)."""
        return self.filter(_reported())

    def with_reported(self) -> AssessmentQuerySet:
        """Each round with ``is_reported``, what :meth:`reported` decides of it: for a page
        that lists every round and draws the trend of those that count."""
        return self.annotate(is_reported=models.ExpressionWrapper(
            _reported(), output_field=models.BooleanField()))

    def without_results(self) -> AssessmentQuerySet:
        """Drafts and cancelled rounds: they count nowhere, so a department that has
        only these can be removed with them (organisations.services.department_delete)."""
        return self.exclude(status__in=Assessment.COUNTED)


def _reported() -> Q:
    """The rule of :meth:`AssessmentQuerySet.reported`, on an assessment's row."""
    from .anonymity import results_may_show  # it reads these models

    submitted = Response.objects.filter(Response.submitted(), assessment=models.OuterRef("pk"))
    return Q(models.Exists(submitted), status=Assessment.Status.CLOSED) & results_may_show()


class Assessment(models.Model):
    """One assessment round of one department with one model version.

    A draft can be deleted; an open round can be cancelled: it keeps what was answered
    but counts in no result, trend or report, and nothing changes in it any more."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    COUNTED = (Status.OPEN, Status.CLOSED)

    class Anonymity(models.TextChoices):
        """Who may see who answered what (``assessments.anonymity`` holds the rules)."""

        ANONYMOUS = "anonymous", _("Anonymous")
        NAMED = "named", _("Named")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="assessments")
    # PROTECT: a department with assessment history cannot be removed (the
    # departments page says so, organisations.services.department_delete).
    department = models.ForeignKey("organisations.Department", on_delete=models.PROTECT,
                                   related_name="assessments", verbose_name=_("department"))
    model_version = models.ForeignKey("models_catalog.ModelVersion", on_delete=models.PROTECT,
                                      related_name="assessments",
                                      verbose_name=_("maturity model"))
    name = models.CharField(_("name"), max_length=200,
                            help_text=_("For example “Q1 2027”."))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    target_level = models.PositiveSmallIntegerField(
        _("target level"), null=True, blank=True,
        help_text=_("Empty: one level above the current overall level."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    # Chosen while the round is a draft and fixed once it opens: respondents are told
    # before they answer.
    anonymity = models.CharField(
        _("answers"), max_length=10, choices=Anonymity.choices, default=Anonymity.ANONYMOUS,
        help_text=_("Anonymous: nobody, not even the owner, sees who answered what. Named: "
                    "owners, consultants and service managers see each respondent's name "
                    "with their answers; executives never do."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The facilitated consensus session (``ConsensusAnswer``): when a facilitator began
    # it (on an open round only by choice; a closed round may always have one), and
    # when a consensus answer last changed. The second is part of the results' cache
    # key and of a PDF's inputs, and lets the session view poll for changes cheaply.
    session_started_at = models.DateTimeField(null=True, blank=True)
    consensus_updated_at = models.DateTimeField(null=True, blank=True)
    # Follow-up rounds (assessments/followup.py): the round this one follows, the day a
    # draft opens itself, and how often those who have not submitted are reminded.
    follows = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="follow_ups", verbose_name=_("follows"))
    opens_on = models.DateField(
        _("opens on"), null=True, blank=True,
        help_text=_("Empty: open it yourself. Otherwise the round opens itself on this day "
                    "and the respondents get their invitation."))
    remind_every_days = models.PositiveSmallIntegerField(
        _("remind every (days)"), null=True, blank=True,
        help_text=_("Empty: no automatic reminders. Otherwise those who have not submitted "
                    "are reminded, with the same link, this many days after their last "
                    "email, while the round is open."))

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["organisation", "department", "-created_at"],
                                  name="assessment_dept_rounds")]
        constraints = [
            models.CheckConstraint(condition=Q(target_level__isnull=True)
                                   | Q(target_level__gte=1),
                                   name="assessment_target_level_positive"),
            models.CheckConstraint(condition=Q(remind_every_days__isnull=True)
                                   | Q(remind_every_days__gte=1),
                                   name="assessment_remind_every_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.name}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def is_anonymous(self) -> bool:
        return self.anonymity != self.Anonymity.NAMED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def counts_in_results(self) -> bool:
        return self.status in self.COUNTED

    @property
    def is_changeable(self) -> bool:
        """Respondents and settings may change: a draft or an open round."""
        return self.status in (self.Status.DRAFT, self.Status.OPEN)

    @property
    def session_available(self) -> bool:
        """A consensus session can be held: on a closed round, or on an open one whose
        facilitator chose to start it before closing (``services.session_start``)."""
        return self.is_closed or (self.is_open and self.session_started_at is not None)

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_date and self.is_open and self.due_date < timezone.localdate())


MAX_GROUP_LENGTH = 80


class SharedLink(models.Model):
    """One link to a round for a whole group of people (a newsletter, an intranet page).

    Everyone who opens it gets a response of their own (``Response.shared_link``), up
    to ``cap`` responses; it works until ``expires_at`` (never before the round's due
    date, and moved with it as personal links are) unless it is revoked. Like a
    personal link, only the token's SHA-256 and the secret it is derived from with the
    SECRET_KEY are stored (``services.link_token_for_secret``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="shared_links")
    label = models.CharField(_("name"), max_length=100,
                             help_text=_("For you, and the name its respondents get in the "
                                         "list, for example “Newsletter December”."))
    group = models.CharField(_("group"), max_length=MAX_GROUP_LENGTH, blank=True)
    cap = models.PositiveIntegerField(_("maximum number of responses"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default="en")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    link_secret = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("shared link")
        verbose_name_plural = _("shared links")
        constraints = [models.CheckConstraint(condition=Q(cap__gte=1),
                                              name="shared_link_cap_positive")]

    def __str__(self) -> str:
        return self.label

    @property
    def state(self) -> str:
        """``active``, ``revoked`` or ``expired`` (the cap is counted by the services)."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class Response(models.Model):
    """One respondent's questionnaire in one assessment."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    class Email:
        """The emails a respondent can be owed (``email_due``): an invitation, a reminder
        with the same link, or a reminder with a link renewed in the request."""

        INVITATION = "invitation"
        REMINDER = "reminder"
        RENEWAL = "renewal"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="responses")
    # A member answers signed in; anyone else through a personal link (token_hash),
    # or on paper, uploaded by a manager (name only).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="assessment_responses")
    email = models.EmailField(_("email address"), blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True,
                                  editable=False)
    # The link's token is derived from this and the SECRET_KEY (services.link_token), so
    # a reminder can send the same link again while the database alone reveals none.
    link_secret = models.CharField(max_length=64, blank=True, editable=False)
    # The hash of the link this one replaced, so that the old link can say "renewed".
    previous_token_hash = models.CharField(max_length=64, null=True, blank=True,
                                           editable=False, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default="en")
    # A free name per round ("Service desk agents"…): results show each group's figures
    # beside the whole, never a group of fewer than anonymity.MIN_GROUP_SIZE on its own.
    group = models.CharField(_("group"), max_length=MAX_GROUP_LENGTH, blank=True)
    # Set for a response started through a shared round link (one per person who
    # opened it); its own personal token (token_hash) is what the device resumes with.
    shared_link = models.ForeignKey("SharedLink", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="responses")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_emailed_at = models.DateTimeField(null=True, blank=True)
    # An email asked for in a request (or by the schedule) and not sent yet: a worker
    # sends it after the commit (services.respondent_emails_send). ``email_due_at``, when
    # it was asked for, names the batch of the task that sends it; the sent email's
    # ``last_emailed_at`` is that moment.
    email_due = models.CharField(max_length=10, blank=True, default="")
    email_due_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user"],
                                    condition=Q(user__isnull=False),
                                    name="one_response_per_member"),
            models.UniqueConstraint(fields=["assessment", "email"], condition=~Q(email=""),
                                    name="one_response_per_email"),
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(email="")
                                   | ~Q(name=""),
                                   name="response_has_a_respondent"),
            models.CheckConstraint(condition=Q(email_due="", email_due_at__isnull=True)
                                   | Q(email_due__in=["invitation", "reminder", "renewal"],
                                       email_due_at__isnull=False),
                                   name="response_email_due_known"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id is not None and self.user is not None:
            return self.user.get_full_name()
        return self.name or self.email

    @property
    def contact_email(self) -> str:
        return self.user.email if self.user_id and self.user is not None else self.email

    @property
    def is_member(self) -> bool:
        return self.user_id is not None

    @property
    def is_invitee(self) -> bool:
        return self.user_id is None and bool(self.email)

    @property
    def via_shared_link(self) -> bool:
        return self.shared_link_id is not None

    @property
    def status(self) -> str:
        if self.submitted_at:
            return self.Status.SUBMITTED
        if self.started_at:
            return self.Status.IN_PROGRESS
        return self.Status.NOT_STARTED

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def email_pending(self) -> bool:
        """An email is owed to this respondent and not sent yet (a worker sends it while
        the round is open; ``services.respondent_emails_send``)."""
        return bool(self.email_due) and self.submitted_at is None and self.revoked_at is None

    @staticmethod
    def submitted(path: str = "") -> models.Q:
        """Responses their respondent submitted: the only ones whose answers count in
        results, reports and exports (``path``: the way to the responses)."""
        return models.Q(**{f"{path}submitted_at__isnull": False})

    @staticmethod
    def awaiting(path: str = "") -> models.Q:
        """Responses still awaited from their respondent: not submitted and not withdrawn
        (a revoked link). The one rule of who is invited when a round opens, who is
        reminded, and whose response a revoked shared link withdraws."""
        return models.Q(**{f"{path}submitted_at__isnull": True,
                           f"{path}revoked_at__isnull": True})

    @property
    def link_state(self) -> str:
        """For an invitee's link: ``active``, ``revoked``, ``expired`` or ``none``."""
        if self.revoked_at:
            return "revoked"
        if not self.token_hash:
            return "none"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class Answer(models.Model):
    """One response's answer to one question: a scale option key, ``na`` or ``dk``.

    ``option`` is empty when only a comment has been written so far.
    """

    # No index of its own: the unique (response, question) index starts with it, and
    # one index less to update makes every autosave cheaper.
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers",
                                 db_index=False)
    question = models.ForeignKey("models_catalog.Question", on_delete=models.PROTECT,
                                 related_name="answers")
    option = models.CharField(_("answer"), max_length=64, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"],
                                    name="one_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}={self.option}"

    @staticmethod
    def answered(path: str = "") -> models.Q:
        """Answers with a chosen option, "not applicable" and "don't know" included; a
        comment alone is no answer (``path``: the way to the answers). The one rule
        for every count of answered questions."""
        return ~models.Q(**{f"{path}option": ""})


class ConsensusAnswer(models.Model):
    """The answer a team agreed for one statement in a facilitated session.

    It overrides the respondents' aggregate of its question in the round's results
    (DESIGN.md, scoring rule 2): a scale option gives the question its value, ``na``
    makes it not applicable, ``dk`` unknown. One per round and question of the round's
    pinned version; recording again replaces it (the last write wins), and every change
    is audited (``services.consensus_record``). Reopening a round keeps them.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="consensus_answers")
    question = models.ForeignKey("models_catalog.Question", on_delete=models.PROTECT,
                                 related_name="consensus_answers")
    option = models.CharField(_("agreed answer"), max_length=64)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consensus answer")
        verbose_name_plural = _("consensus answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"],
                                    name="one_consensus_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.question_id}={self.option}"


class CarriedAnswer(models.Model):
    """An answer from the respondent's previous round, carried to a follow-up round
    through the model's mapping (``Question.carried_from``): "from last round, please
    confirm". It is a suggestion, not an answer: it counts nowhere (progress, results,
    exports) until the respondent confirms it, which turns it into an ``Answer``
    (``followup.carried_confirm``); answering the statement makes it moot, and
    submitting drops what was not confirmed."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE,
                                 related_name="carried_answers")
    question = models.ForeignKey("models_catalog.Question", on_delete=models.CASCADE,
                                 related_name="+")
    option = models.CharField(_("answer"), max_length=64)

    class Meta:
        verbose_name = _("answer from last round")
        verbose_name_plural = _("answers from last round")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"],
                                    name="one_carried_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}~{self.option}"
