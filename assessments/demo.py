"""Demo assessments: for every demo department two closed rounds and an open one.

Respondents are the client's service manager and named colleagues invited by email
(no email is sent). Their answers are made up but plausible and deterministic: each
department has a maturity profile per dimension that improves from round to round,
each respondent is a little more or less optimistic than the others, and a few
answers are "not applicable" or "don't know" — so departments land on different
levels and axis positions, and respondents disagree where real teams would.

New rounds use the newest published version of each shipped model: the catalogue is
loaded first, which publishes a new version of a model whose file changed.

The rounds are anonymous, whose results show from three submitted responses
(``assessments.anonymity``): every closed round has at least three, and so have the open
rounds of IT Service Desk and Facilities; HR Services' open round has one, so its pages
show why its results do not appear yet.

Acme's IT Service Desk talked its Q3 2026 round through in a facilitated consensus
session (the consultant recorded three agreed answers), so the session view, the
results before and after it and the export show from ``make run``.

Another client of Northwind, Oceanic Airlines (its service manager signs in as
manager@oceanic.example), ran its spring round in Customer Service and Field Service on
version 1 of the TOPdesk model, before version 2 replaced it (``models_catalog.demo``
adds that version); a client of its own, outside the benchmark, so that Acme's and
Globex's demo stays as it was. Customer Service's round waits for its next one: "Start
the next round" offers version 2 and carries each respondent's answers to it, to
confirm. Field Service's next round is open on version 2: one respondent confirmed
their answers from last round and submitted, one confirmed a page, and the service
manager and Daniel Moore still see them as suggestions ("From last round: … Please
confirm."); ``seed`` returns Daniel's link, which ``seed_demo`` prints.

Idempotent: a round that exists (same department and name) is left as it is, on the
version it pinned.
"""

from __future__ import annotations

import random
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from models_catalog.demo import seed_catalogue
from models_catalog.models import ModelVersion
from models_catalog.selectors import find_version
from models_catalog.snapshot import snapshot
from organisations.access import OrgAccess, organisation_access
from organisations.demo import CONSULTANT_EMAIL, _user, demo_password
from organisations.models import Department, Membership, Organisation, Role, User, hash_token
from scoring import DK, NA

from . import followup, services
from .models import Answer, Assessment, CarriedAnswer, ConsensusAnswer, Response
from .presentation import most_disputed
from .selectors import scoring_input

MODELS = {"acme": "topdesk-semm", "globex": "hu-service-maturity"}
FACILITIES_MODEL = "ssm-ticket-process"
# name, created (days ago), closed (days ago, None: still open)
ROUNDS = (("Q1 2026", 300, 250), ("Q3 2026", 150, 110), ("Q4 2026", 12, None))
COLLEAGUES = {
    "acme": (("Priya Shah", "priya.shah@acme.example", "en"),
             ("Tom Berg", "tom.berg@acme.example", "sv"),
             ("Lena Holm", "lena.holm@acme.example", "sv")),
    "globex": (("Kovács Anna", "anna.kovacs@globex.example", "hu"),
               ("Tóth Bence", "bence.toth@globex.example", "hu"),
               ("Nagy Eszter", "eszter.nagy@globex.example", "en")),
}
# How mature each department starts out (before its dimensions vary), and how many
# colleagues answer besides the manager. The rounds are anonymous, so each closed one has
# at least three submitted responses (assessments.anonymity.MIN_GROUP_SIZE), else nobody
# would see its results.
DEPARTMENTS = {
    "IT Service Desk": (3.3, 3),
    "HR Services": (2.4, 2),
    "Facilities": (2.9, 3),
}
# A newcomer invited to the open round of IT Service Desk and of Facilities: they have
# not started, so three of five respondents have submitted and the results show while
# the round is open. HR Services' open round has one submitted response of three: its
# pages say that results appear once at least three have submitted.
NEWCOMERS = {
    ("acme", "IT Service Desk"): ("Ahmed Karimi", "ahmed.karimi@acme.example", "en"),
    ("acme", "Facilities"): ("Elin Sjöberg", "elin.sjoberg@acme.example", "sv"),
    ("globex", "IT Service Desk"): ("Szabó Dóra", "dora.szabo@globex.example", "hu"),
    ("globex", "Facilities"): ("Varga Péter", "peter.varga@globex.example", "hu"),
}
ORG_SHIFT = {"acme": 0.0, "globex": -0.3}
COMMENTS = (
    "We review this monthly in the service meeting.",
    "Only in the first-line team, not in second line.",
    "Documented in the wiki, but not everybody follows it.",
    "Planned for next quarter.",
    "Depends on who is on duty.",
    "We measure it, but nobody acts on the numbers yet.",
    "Customers mention this in the satisfaction survey.",
)
ORDER = ("not_in_place", "partly", "largely", "fully")
# One closed round with respondent groups (issue 15): agents and customers are shown on
# their own beside the whole round; the team leads (2) and IT management (1) are too few,
# so they are shown only together, as "Other respondents", and the page says why.
# Customers see the service as less mature than the agents do (``GROUP_BIAS``).
GROUPED_ROUND = ("acme", "IT Service Desk", "Q3 2026")
GROUPED_EXTRA = (("Jonas Ek", "jonas.ek@acme.example", "sv"),
                 ("Maria Lopez", "maria.lopez@acme.example", "en"),
                 ("Oskar Lind", "oskar.lind@acme.example", "sv"),
                 ("Sara Nyberg", "sara.nyberg@acme.example", "sv"),
                 ("Karin Dahl", "karin.dahl@acme.example", "sv"),
                 ("Erik Strand", "erik.strand@acme.example", "en"))
GROUP_OF = {
    None: "Team leads",  # the service manager
    "priya.shah@acme.example": "Service desk agents",
    "tom.berg@acme.example": "Service desk agents",
    "lena.holm@acme.example": "Service desk agents",
    "jonas.ek@acme.example": "Service desk agents",
    "maria.lopez@acme.example": "Customers / business",
    "oskar.lind@acme.example": "Customers / business",
    "sara.nyberg@acme.example": "Customers / business",
    "karin.dahl@acme.example": "Team leads",
    "erik.strand@acme.example": "IT management",
}
GROUP_BIAS = {"Service desk agents": 0.15, "Customers / business": -0.45}


def seed(orgs: dict[str, Organisation]) -> list[str]:
    """Seed the rounds; returns lines for ``seed_demo`` to print (a respondent's link)."""
    seed_catalogue()  # idempotent; publishes changed files, adds the earlier versions
    for slug in MODELS:
        org = orgs.get(slug)
        if org is not None:
            _seed_organisation(org)
    consultancy = orgs.get(EARLIER_CONSULTANCY)
    return _seed_earlier_version(consultancy) if consultancy is not None else []


def _version(slug: str):
    """The model's newest published version; None if the catalogue has no such model."""
    try:
        return find_version(slug)
    except LookupError:
        return None


@transaction.atomic
def _seed_organisation(org: Organisation) -> None:
    manager = (Membership.objects.filter(organisation=org, role=Role.MANAGER)
               .select_related("user").order_by("id").first())
    if manager is None:
        return
    access = OrgAccess(user=manager.user, organisation=org, role=Role.MANAGER)
    for department in Department.objects.filter(organisation=org, name__in=DEPARTMENTS):
        slug = FACILITIES_MODEL if department.name == "Facilities" else MODELS[org.slug]
        version = _version(slug)
        if version is None:
            continue
        base, colleagues = DEPARTMENTS[department.name]
        people = COLLEAGUES[org.slug][:colleagues]
        for number, (name, created, closed) in enumerate(ROUNDS):
            if Assessment.objects.filter(department=department, name=name).exists():
                continue
            newcomer = NEWCOMERS.get((org.slug, department.name))
            invited = tuple(people) + ((newcomer,) if closed is None and newcomer else ())
            _seed_round(access, department, version, name, number, created, closed,
                        base + ORG_SHIFT[org.slug], invited)
    session = SESSION.get(org.slug)
    if session is not None:
        _seed_session(org, access, *session)


def _seed_round(access, department, version, name, number, created, closed, base, people,
                anonymity=Assessment.Anonymity.ANONYMOUS):
    now = timezone.now()
    assessment = services.assessment_create(by=access, department=department,
                                            model_version=version, name=name,
                                            anonymity=anonymity)
    services.assessment_open(by=access, assessment=assessment)
    rng = random.Random(f"{department.organisation.slug}/{department.name}/{version.model.slug}")
    dimensions = snapshot(version).dimensions
    profile = {d.pk: base + rng.uniform(-0.9, 0.9) for d in dimensions}
    tilt = {"focus": rng.uniform(-0.9, 0.9), "mindset": rng.uniform(-0.9, 0.9)}
    gain = 0.35 * number
    questions = snapshot(version).questions

    grouped = (department.organisation.slug, department.name, name) == GROUPED_ROUND
    if grouped:
        people = tuple(people) + GROUPED_EXTRA
    respondents = [(access.user, None, None, access.user.language or "en")] + [
        (None, full_name, email, language) for full_name, email, language in people]
    open_round = closed is None
    for index, (user, full_name, email, language) in enumerate(respondents):
        secret = "" if user else secrets.token_urlsafe(32)
        response = Response.objects.create(
            assessment=assessment, user=user, name=full_name or "", email=email or "",
            language=language, group=GROUP_OF.get(email, "") if grouped else "",
            invited_by=access.user, link_secret=secret,
            token_hash=None if user else hash_token(services.link_token_for_secret(secret)),
            expires_at=None if user else services.link_expiry(assessment, issued_at=now),
            last_emailed_at=now - timedelta(days=created))
        # In the open round: the manager is half-way, the last of three or more
        # colleagues has not started, everyone else has submitted.
        if open_round and index == len(respondents) - 1 and index > 1:
            continue
        partial = open_round and index == 0
        # Seeded by names, not primary keys: the same demo whatever was created before.
        rng_r = random.Random(f"{department.organisation.slug}/{department.name}/{name}/"
                              f"{email or 'manager'}")
        bias = rng_r.uniform(-0.45, 0.45)
        if grouped:
            bias += GROUP_BIAS.get(GROUP_OF.get(email, ""), 0.0)
        rows = []
        for position, question in enumerate(questions):
            if partial and position % 2:
                continue
            option = _answer(rng_r, profile[question.dimension_id] + gain + bias,
                             question.level, question.loadings or {}, tilt)
            comment = (rng_r.choice(COMMENTS) if rng_r.random() < 0.12 else "")
            rows.append(Answer(response=response, question=question, option=option,
                               comment=comment, updated_at=now - timedelta(days=created - 2)))
        Answer.objects.bulk_create(rows)
        Response.objects.filter(pk=response.pk).update(
            started_at=now - timedelta(days=created - 1))
        if not partial:
            services.response_submit(response=response)
            Response.objects.filter(pk=response.pk).update(
                submitted_at=now - timedelta(days=created - 3 - index))
    if not open_round:
        services.assessment_close(by=access, assessment=assessment)
    Assessment.objects.filter(pk=assessment.pk).update(
        created_at=now - timedelta(days=created),
        opened_at=now - timedelta(days=created - 1),
        closed_at=None if open_round else now - timedelta(days=closed),
        due_date=(now + timedelta(days=21)).date() if open_round
        else (now - timedelta(days=closed + 5)).date())


# The round whose consensus session the demo has: organisation -> (department, round).
SESSION = {"acme": ("IT Service Desk", "Q3 2026")}
SESSION_NOTES = (
    "Second line does this too: we checked the handover notes together.",
    "Everyone agreed once we looked at the service meeting's minutes.",
    "Only the first-line team does this; second line does not yet.",
)


def _seed_session(org: Organisation, access: OrgAccess, department: str, name: str) -> None:
    """The consultant facilitated a session after the round closed. The statements that
    held the weakest dimension back turned out to be largely in place (at most two),
    and the most disputed other statement one step worse than the answer nearest to
    the respondents' mean."""
    assessment = Assessment.objects.filter(organisation=org, department__name=department,
                                           name=name, status=Assessment.Status.CLOSED).first()
    if assessment is None or ConsensusAnswer.objects.filter(assessment=assessment).exists():
        return
    consultant = User.objects.filter(email=CONSULTANT_EMAIL).first()
    if consultant is not None:
        access = organisation_access(consultant, org.slug)
    input_ = scoring_input(assessment, "en")
    spec = input_.spec
    result = input_.plain
    options = sorted(spec.options, key=spec.options.get)
    met = next((o for o in options if spec.options[o] >= spec.threshold - 1e-9), options[-1])
    weakest = min(result.dimensions, key=lambda d: (d.level, d.key))
    blocking = weakest.blocked_at.short[:2] if weakest.blocked_at else ()
    picks = [(s.question, met, SESSION_NOTES[i]) for i, s in enumerate(blocking)]
    disputed = next((q for q in most_disputed(result, top=5)
                     if q.key not in {key for key, _o, _n in picks}), None)
    if disputed is not None:
        nearest = min(range(len(options)),
                      key=lambda i: round(abs(spec.options[options[i]] - disputed.value), 6))
        picks.append((disputed.key, options[max(nearest - 1, 0)], SESSION_NOTES[2]))
    for key, option, note in picks:
        services.consensus_record(by=access, assessment=assessment, question=key,
                                  option=option, note=note)
    # Held two days after closing. (consensus_updated_at stays as the service set it:
    # it keys the cached results, which must never match those of an earlier seeding.)
    held = assessment.closed_at + timedelta(days=2)
    ConsensusAnswer.objects.filter(assessment=assessment).update(recorded_at=held)
    Assessment.objects.filter(pk=assessment.pk).update(session_started_at=held)


def _answer(rng: random.Random, maturity: float, level: int, loadings: dict,
            tilt: dict) -> str:
    roll = rng.random()
    if roll < 0.04:
        return NA
    if roll < 0.08:
        return DK
    lean = sum(tilt.get(axis, 0.0) * loading for axis, loading in loadings.items())
    latent = maturity - level + 0.6 + lean + rng.gauss(0, 0.45)
    if latent >= 1.0:
        return ORDER[3]
    if latent >= 0.3:
        return ORDER[2]
    if latent >= -0.4:
        return ORDER[1]
    return ORDER[0]


# --- Rounds on an earlier version of the model, and their follow-up on the newer one ----

EARLIER_CONSULTANCY = "northwind"
EARLIER_CLIENT = ("oceanic", "Oceanic Airlines")
EARLIER_MODEL = "topdesk-semm"
EARLIER_NUMBER = 1  # the version models_catalog.demo adds
EARLIER_ROUND = ("Spring 2026", 230, 190)  # name, created and closed (days ago)
FOLLOW_UP_ROUND = ("Autumn 2026", 20, 14)  # name, created (days ago), due (days ahead)
# Department: (maturity, respondents besides the manager, its next round is open).
EARLIER_DEPARTMENTS = {
    "Customer Service": (2.5, (("Emma Wilson", "emma.wilson@oceanic.example", "en"),
                               ("Lars Nilsson", "lars.nilsson@oceanic.example", "sv"),
                               ("Aisha Khan", "aisha.khan@oceanic.example", "en")), False),
    "Field Service": (2.9, (("Daniel Moore", "daniel.moore@oceanic.example", "en"),
                            ("Sofia Berg", "sofia.berg@oceanic.example", "sv"),
                            ("Peter Novak", "peter.novak@oceanic.example", "en")), True),
}
# In the open follow-up: who confirmed everything and submitted, who confirmed one page;
# the manager and the others have not started (their answers wait to be confirmed).
FOLLOW_UP_SUBMITTED = "sofia.berg@oceanic.example"
FOLLOW_UP_ONE_PAGE = "peter.novak@oceanic.example"
FOLLOW_UP_LINK = "daniel.moore@oceanic.example"  # printed by seed_demo


@contextmanager
def _published(version: ModelVersion):
    """The rounds on a retired version were created while it was the published one:
    the demo creates them (in its transaction) as if it still were."""
    status = version.status
    if status != ModelVersion.Status.PUBLISHED:
        ModelVersion.objects.filter(pk=version.pk).update(status=ModelVersion.Status.PUBLISHED)
    try:
        yield
    finally:
        if status != ModelVersion.Status.PUBLISHED:
            ModelVersion.objects.filter(pk=version.pk).update(status=status)


@transaction.atomic
def _seed_earlier_version(consultancy: Organisation) -> list[str]:
    earlier = (ModelVersion.objects.filter(model__slug=EARLIER_MODEL, model__owner=None,
                                           number=EARLIER_NUMBER).first())
    if earlier is None:
        return []
    slug, client_name = EARLIER_CLIENT
    org, _ = Organisation.objects.update_or_create(
        slug=slug, defaults={"name": client_name, "kind": Organisation.Kind.ORGANISATION,
                             "parent": consultancy})
    manager = _user(f"manager@{slug}.example", f"{client_name} Service Manager",
                    demo_password())
    Membership.objects.update_or_create(user=manager, organisation=org,
                                        defaults={"role": Role.MANAGER})
    access = OrgAccess(user=manager, organisation=org, role=Role.MANAGER)
    name, created, closed = EARLIER_ROUND
    notes = []
    for department_name, (base, people, followed) in EARLIER_DEPARTMENTS.items():
        department, _ = Department.objects.get_or_create(organisation=org,
                                                          name=department_name)
        spring = Assessment.objects.filter(department=department, name=name).first()
        if spring is None:
            with _published(earlier):
                _seed_round(access, department, earlier, name, 0, created, closed, base,
                            people, anonymity=Assessment.Anonymity.NAMED)
            spring = Assessment.objects.get(department=department, name=name)
        if followed:
            follow_up = _seed_follow_up(access, spring, base)
            link = _respondent_link(follow_up, FOLLOW_UP_LINK)
            if link:
                notes += [f"A respondent's answers from last round, to confirm "
                          f"({org.name} · {department.name} · {follow_up.name}; its service "
                          f"manager: {manager.email}):", f"  {link}"]
    return notes


def _seed_follow_up(access: OrgAccess, previous: Assessment, base: float) -> Assessment:
    """The open next round of ``previous`` on the model's latest version, its answers
    from last round confirmed by some respondents and waiting for the others."""
    name, created, due = FOLLOW_UP_ROUND
    existing = Assessment.objects.filter(department=previous.department, name=name).first()
    if existing is not None:
        return existing
    now = timezone.now()
    follow_up = followup.assessment_start_next(
        by=access, assessment=previous, name=name, model_choice=followup.LATEST_VERSION,
        due_date=(now + timedelta(days=due)).date(), remind_every_days=7)
    opened = now - timedelta(days=created - 1)
    # Their links exist and were emailed (the last reminder five days ago): opening the
    # round here sends nothing.
    responses = list(follow_up.responses.select_related("user").order_by("created_at", "id"))
    for response in responses:
        if response.user_id is None:
            services.issue_link(response=response)
    Response.objects.filter(assessment=follow_up).update(
        last_emailed_at=now - timedelta(days=5))
    services.assessment_open(by=access, assessment=follow_up)
    questions = snapshot(follow_up.model_version).questions
    for response in responses:
        if response.email == FOLLOW_UP_SUBMITTED:
            followup.carried_confirm(response=response)
            _answer_the_rest(response, questions, base + 0.6)
            services.response_submit(response=response)
            Response.objects.filter(pk=response.pk).update(
                started_at=opened + timedelta(days=2), submitted_at=opened + timedelta(days=4))
        elif response.email == FOLLOW_UP_ONE_PAGE:
            first = questions[0].dimension.key
            followup.carried_confirm(response=response, dimension_key=first)
            Response.objects.filter(pk=response.pk).update(
                started_at=opened + timedelta(days=6))
    Answer.objects.filter(response__assessment=follow_up).update(
        updated_at=opened + timedelta(days=3))
    Assessment.objects.filter(pk=follow_up.pk).update(
        created_at=now - timedelta(days=created), opened_at=opened)
    return follow_up


def _answer_the_rest(response: Response, questions, maturity: float) -> None:
    """Answers to the statements that nothing was carried to (new in this version)."""
    rng = random.Random(f"{response.assessment.department.name}/{response.email}")
    answered = set(Answer.objects.filter(response=response).values_list("question_id",
                                                                        flat=True))
    Answer.objects.bulk_create(
        Answer(response=response, question=question,
               option=_answer(rng, maturity, question.level, question.loadings or {}, {}))
        for question in questions if question.pk not in answered)


def _respondent_link(assessment: Assessment, email: str) -> str | None:
    """The personal link of ``email``'s response while it has answers to confirm."""
    response = assessment.responses.filter(email=email, submitted_at__isnull=True).first()
    if response is None or not CarriedAnswer.objects.filter(response=response).exists():
        return None
    if not assessment.is_open or (response.expires_at and response.expires_at < timezone.now()):
        return None
    token = services.link_token(response)
    if token is None:
        return None
    return settings.SITE_URL + reverse("respondent:start", args=[token])
