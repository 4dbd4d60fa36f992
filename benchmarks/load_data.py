"""Scaled-up demo data for load benchmarks, written with ``bulk_create``.

    from benchmarks.load_data import generate, grow_organisation
    summary = generate(scale=1.0)   # ~200 organisations, 2,000 departments, 20,000 responses

At ``scale`` 1: 200 organisations (one in twenty a consultancy, the others its
clients), ten departments each, two rounds per department (one closed, one open),
five respondents per round (the organisation's service manager as a member and
four people invited by email), and about 670,000 answers. Respondents submitted,
are half-way or have not started, as in a real round; answers follow a maturity
profile per department, with some "not applicable", "don't know" and comments.
Everything is deterministic for a given ``seed``.

Needs the shipped catalogue (``load_catalog``) and an empty tenant space for the
``prefix`` (organisation slugs ``<prefix>-…``). Works on SQLite too, slowly.

:func:`grow_organisation` multiplies one organisation's data (departments, their
rounds and respondents, and the respondents of one round) by a factor: the
"ten times the data" of a query-count check.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from assessments.models import Answer, Assessment, Response
from models_catalog.models import MaturityModel, ModelVersion
from organisations import changes
from organisations.models import Department, Membership, Organisation, Role, User, hash_token

BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 - throw-away benchmark accounts
ORGANISATIONS = 200  # at scale 1
CLIENTS_PER_CONSULTANCY = 19
DEPARTMENTS_PER_ORG = 10
INVITEES_PER_ROUND = 4
DEPARTMENT_NAMES = ("IT Service Desk", "HR Services", "Facilities", "Customer Service",
                    "Finance Operations", "Procurement", "Legal Services", "Workplace IT",
                    "Field Service", "Security Desk")
# name, created (days ago), closed (days ago; None: open)
ROUNDS = (("2025 H2", 200, 150), ("2026 H1", 20, None))
COMMENTS = ("We review this monthly.", "Only in the first-line team.",
            "Documented, but not everybody follows it.", "Planned for next quarter.")
BATCH = 2000


@dataclass
class VersionInfo:
    pk: int
    slug: str
    questions: list[tuple[int, int]]  # (question id, level)
    options: list[str]  # scale option keys, lowest value first


@dataclass
class Summary:
    organisations: int = 0
    users: int = 0
    departments: int = 0
    assessments: int = 0
    responses: int = 0
    answers: int = 0
    seconds: float = 0.0
    consultancy_slugs: list[str] = field(default_factory=list)
    client_slugs: list[str] = field(default_factory=list)

    def add(self, other: Summary) -> None:
        for name in ("organisations", "users", "departments", "assessments", "responses",
                     "answers"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def counts(self) -> dict[str, int | float]:
        return {"organisations": self.organisations, "users": self.users,
                "departments": self.departments, "assessments": self.assessments,
                "responses": self.responses, "answers": self.answers,
                "seconds": round(self.seconds, 1)}


def shipped_versions() -> list[VersionInfo]:
    """The published versions of the shipped models, with their questions and scale."""
    infos = []
    versions = (ModelVersion.objects.filter(status=ModelVersion.Status.PUBLISHED,
                                            model__owner__isnull=True)
                .select_related("model").order_by("model__slug", "-number"))
    seen = set()
    for version in versions:
        if version.model_id in seen:
            continue
        seen.add(version.model_id)
        questions = list(version.questions.order_by("position", "id")
                         .values_list("pk", "level"))
        options = list(version.scale_options.order_by("value", "position")
                       .values_list("key", flat=True))
        infos.append(VersionInfo(version.pk, version.model.slug, questions, options))
    if not infos:
        raise LookupError("no shipped model is published: run `manage.py load_catalog` first")
    return infos


def generate(*, scale: float = 1.0, seed: int = 2026, prefix: str = "bench") -> Summary:
    """Create ``scale`` × (200 organisations, 2,000 departments, 20,000 responses)."""
    started = time.perf_counter()
    if MaturityModel.objects.filter(owner__isnull=True).count() == 0:
        raise LookupError("the catalogue is empty: run `manage.py load_catalog` first")
    if Organisation.objects.filter(slug__startswith=f"{prefix}-").exists():
        raise ValueError(f"organisations {prefix}-… exist already; pick another prefix")
    rng = random.Random(seed)
    versions = shipped_versions()
    password = make_password(BENCH_PASSWORD)  # hashed once: PBKDF2 costs ~0.3 s a call
    n_orgs = max(2, round(ORGANISATIONS * scale))
    n_consultancies = max(1, round(n_orgs / (CLIENTS_PER_CONSULTANCY + 1)))
    summary = Summary()

    with transaction.atomic():
        consultancies = Organisation.objects.bulk_create(
            Organisation(name=f"{prefix.title()} Consulting {i:03d}", slug=f"{prefix}-c{i:03d}",
                         kind=Organisation.Kind.CONSULTANCY)
            for i in range(n_consultancies))
        clients = Organisation.objects.bulk_create(
            (Organisation(name=f"{prefix.title()} Client {i:04d}", slug=f"{prefix}-o{i:04d}",
                          parent=consultancies[i % n_consultancies])
             for i in range(n_orgs - n_consultancies)), batch_size=BATCH)
        summary.organisations = len(consultancies) + len(clients)
        summary.consultancy_slugs = [o.slug for o in consultancies]
        summary.client_slugs = [o.slug for o in clients]

        people = [(org, role) for org in consultancies for role in (Role.OWNER, Role.CONSULTANT)]
        people += [(org, role) for org in clients
                   for role in (Role.OWNER, Role.MANAGER, Role.VIEWER)]
        users = User.objects.bulk_create(
            (User(email=f"{role}@{org.slug}.example", full_name=f"{org.name} {role}",
                  password=password) for org, role in people), batch_size=BATCH)
        Membership.objects.bulk_create(
            (Membership(user=user, organisation=org, role=role)
             for user, (org, role) in zip(users, people, strict=True)), batch_size=BATCH)
        summary.users = len(users)
        # The member who answers: the client's manager, the consultancy's owner.
        answerer = {org.pk: user for user, (org, role) in zip(users, people, strict=True)
                    if role == _answering_role(org)}

    orgs = [*consultancies, *clients]
    for start in range(0, len(orgs), 20):  # one transaction per 20 organisations
        with transaction.atomic():
            chunk = orgs[start:start + 20]
            departments = Department.objects.bulk_create(
                (Department(organisation=org, name=name)
                 for org in chunk for name in DEPARTMENT_NAMES[:DEPARTMENTS_PER_ORG]),
                batch_size=BATCH)
            summary.departments += len(departments)
            summary.add(_rounds(departments, answerer, versions, rng))
    # Written in bulk, which organisations.changes does not follow: each organisation its
    # first stamp, as its creation through the ORM would have given it.
    changes.replace([org.pk for org in orgs])
    summary.seconds = time.perf_counter() - started
    return summary


def _answering_role(org: Organisation) -> str:
    return Role.OWNER if org.is_consultancy else Role.MANAGER


def _rounds(departments: list[Department], answerer: dict[int, User],
            versions: list[VersionInfo], rng: random.Random,
            invitees: int = INVITEES_PER_ROUND) -> Summary:
    """Two rounds per department with their respondents and answers."""
    now = timezone.now()
    summary = Summary()
    plan = []  # (assessment, version, maturity, round number)
    for department in departments:
        version = versions[(department.pk * 7 + len(department.name)) % len(versions)]
        maturity = rng.uniform(1.6, 4.4)
        for number, (name, created, closed) in enumerate(ROUNDS):
            assessment = Assessment(
                organisation_id=department.organisation_id, department=department,
                model_version_id=version.pk, name=name,
                status=Assessment.Status.OPEN if closed is None else Assessment.Status.CLOSED,
                created_by=answerer[department.organisation_id],
                created_at=now - timedelta(days=created),
                opened_at=now - timedelta(days=created - 1),
                closed_at=None if closed is None else now - timedelta(days=closed),
                due_date=(now + timedelta(days=21 if closed is None else -closed - 5)).date())
            plan.append((assessment, version, maturity + 0.4 * number))
    Assessment.objects.bulk_create([a for a, _v, _m in plan], batch_size=BATCH)
    summary.assessments = len(plan)
    summary.add(_respondents(plan, answerer, rng, invitees, now))
    return summary


def _respondents(plan, answerer: dict[int, User], rng: random.Random, invitees: int,
                 now, first_invitee: int = 0, with_member: bool = True) -> Summary:
    """Respondents of each planned round: the member (optional) and ``invitees`` people
    by email. Closed round: all but the last submitted. Open round: the member is
    half-way; of every four invitees two submitted, one is half-way, one not started."""
    summary = Summary()
    responses, work = [], []  # work: (response, version, maturity, share answered)
    for assessment, version, maturity in plan:
        created = (now - assessment.created_at).days
        is_open = assessment.status == Assessment.Status.OPEN
        seats = []
        if with_member:
            seats.append((answerer[assessment.organisation_id], ""))
        seats += [(None, f"person{i}@{assessment.organisation_id}.example")
                  for i in range(first_invitee, first_invitee + invitees)]
        for index, (user, email) in enumerate(seats):
            if user is not None:
                state = "half" if is_open else "submitted"
            elif is_open:
                state = ("submitted", "submitted", "half", "none")[(index - with_member) % 4]
            else:
                state = "none" if index == len(seats) - 1 else "submitted"
            response = Response(
                assessment=assessment, user=user, email=email,
                name="" if user else f"Person {index}",
                token_hash=None if user else hash_token(secrets.token_urlsafe(16)),
                expires_at=None if user else now + timedelta(days=14),
                language="en", invited_by=assessment.created_by,
                created_at=now - timedelta(days=created),
                last_emailed_at=now - timedelta(days=created),
                started_at=None if state == "none" else now - timedelta(days=created - 2),
                submitted_at=(now - timedelta(days=max(created - 5, 0))
                              if state == "submitted" else None))
            responses.append(response)
            if state != "none":
                work.append((response, version, maturity + rng.uniform(-0.5, 0.5),
                             1.0 if state == "submitted" else 0.5))
    Response.objects.bulk_create(responses, batch_size=BATCH)
    summary.responses = len(responses)
    rows = []
    for response, version, maturity, share in work:
        for position, (question_id, level) in enumerate(version.questions):
            if share < 1 and position % 2:
                continue
            rows.append(Answer(response_id=response.pk, question_id=question_id,
                               option=_option(rng, maturity, level, version.options),
                               comment=rng.choice(COMMENTS) if rng.random() < 0.1 else "",
                               updated_at=response.started_at))
            if len(rows) >= BATCH * 5:
                summary.answers += len(Answer.objects.bulk_create(rows, batch_size=BATCH))
                rows = []
    summary.answers += len(Answer.objects.bulk_create(rows, batch_size=BATCH))
    return summary


def _option(rng: random.Random, maturity: float, level: int, options: list[str]) -> str:
    roll = rng.random()
    if roll < 0.04:
        return "na"
    if roll < 0.08:
        return "dk"
    latent = maturity - level + 0.6 + rng.gauss(0, 0.5)  # > 0: the practice is there
    step = int((latent + 0.5) * (len(options) - 1) / 1.5)
    return options[min(max(step, 0), len(options) - 1)]


def grow_organisation(slug: str, *, factor: int = 10, assessment: Assessment | None = None,
                      seed: int = 7) -> Summary:
    """Multiply one organisation's data by ``factor``: departments (with their two
    rounds, respondents and answers), and the respondents of ``assessment``."""
    started = time.perf_counter()
    rng = random.Random(seed)
    org = Organisation.objects.get(slug=slug)
    versions = shipped_versions()
    answerer = {org.pk: Membership.objects.select_related("user")
                .get(organisation=org, role=_answering_role(org)).user}
    summary = Summary()
    with transaction.atomic():
        existing = Department.objects.filter(organisation=org).count()
        departments = Department.objects.bulk_create(
            Department(organisation=org, name=f"Grown department {i:04d}")
            for i in range(existing * (factor - 1)))
        summary.departments = len(departments)
        summary.add(_rounds(departments, answerer, versions, rng))
        if assessment is not None:
            version = next(v for v in versions if v.pk == assessment.model_version_id)
            invitees = Response.objects.filter(assessment=assessment, user__isnull=True).count()
            summary.add(_respondents([(assessment, version, 3.0)], answerer, rng,
                                     invitees=(invitees + 1) * (factor - 1),
                                     now=timezone.now(), first_invitee=1000,
                                     with_member=False))
    # Written in bulk, which organisations.changes does not follow: its pages afresh.
    changes.replace([org.pk])
    summary.seconds = time.perf_counter() - started
    return summary
