"""Shared fixtures: a fixed cast per organisation.

``world`` is a consultancy (northwind) with two client organisations (acme,
globex). Each organisation has an owner, consultant, manager and viewer, and
each client has two departments; ``outsider`` belongs to nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client

from organisations.models import Department, Membership, Organisation, Role, User

# Fixtures shared by every module: the browser (Playwright on Debian's chromium) and
# real Celery worker processes.
pytest_plugins = ["tests.browser", "tests.celery_workers"]

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Cast:
    org: Organisation
    owner: User
    consultant: User
    manager: User
    viewer: User
    departments: list[Department] = field(default_factory=list)

    def member(self, role: str) -> User:
        return getattr(self, role)


@dataclass
class World:
    northwind: Cast
    acme: Cast
    globex: Cast
    outsider: User
    # Scratch space for one test, e.g. for tests/tenant_params functions that share
    # an object between two URL kwargs.
    memo: dict = field(default_factory=dict)


def make_user(email: str, **extra) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, **extra)


def make_cast(org: Organisation, departments: int = 2) -> Cast:
    people = {}
    for role in (Role.OWNER, Role.CONSULTANT, Role.MANAGER, Role.VIEWER):
        user = make_user(f"{role}@{org.slug}.test", full_name=f"{org.name} {role}")
        Membership.objects.create(user=user, organisation=org, role=role)
        people[str(role)] = user
    depts = [Department.objects.create(organisation=org, name=f"{org.name} dept {i}")
             for i in range(1, departments + 1)]
    return Cast(org=org, departments=depts, **people)


@pytest.fixture
def world(db) -> World:
    northwind = Organisation.objects.create(name="Northwind", slug="northwind",
                                            kind=Organisation.Kind.CONSULTANCY)
    acme = Organisation.objects.create(name="Acme", slug="acme", parent=northwind)
    globex = Organisation.objects.create(name="Globex", slug="globex", parent=northwind)
    return World(
        northwind=make_cast(northwind, departments=0),
        acme=make_cast(acme),
        globex=make_cast(globex),
        outsider=make_user("outsider@example.test"),
    )


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """PBKDF2 at production strength costs ~0.5 s a user; tests need no such strength."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pinned query counts include the session read, whatever the deployment's engine
    # (production reads sessions from Redis when REDIS_URL is set).
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture(autouse=True)
def _throttle_counts_of_this_test(monkeypatch):
    """Each test counts sign-ups and password resets afresh (the cache outlives tests)."""
    import uuid

    from organisations import throttle

    monkeypatch.setattr(throttle, "PREFIX", f"throttle-test-{uuid.uuid4().hex}")


@pytest.fixture(autouse=True)
def _respondent_emails_sent_in_process(monkeypatch):
    """Invitations and reminders are handed to a Celery worker after the commit
    (``assessments.services.enqueue_respondent_emails``). Here the task runs in this
    process when it is handed over, as a worker would run it, so that a test that runs
    the commit's callbacks finds the emails; tests/test_assessments_invitations.py and
    tests/test_assessments_reminders.py test the handing over itself, and
    tests/test_assessments_emails_worker.py a real worker."""
    from assessments import services, tasks

    def run_in_process(assessment_id: int, *, sender_id: int | None = None,
                       asked_at: str | None = None) -> bool:
        tasks.send_respondent_emails_task.apply(
            args=[assessment_id], kwargs={"sender_id": sender_id, "asked_at": asked_at})
        return True

    real = services.enqueue_respondent_emails
    monkeypatch.setattr(services, "enqueue_respondent_emails", run_in_process)
    return real


@pytest.fixture
def respondent_emails_broker_unreachable(monkeypatch, _respondent_emails_sent_in_process):
    """The respondents' emails handed over as in production, to a broker that refuses the
    connection (``enqueue_respondent_emails`` must log it and keep the emails owed)."""
    from assessments import services, tasks

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(services, "enqueue_respondent_emails",
                        _respondent_emails_sent_in_process)  # the real one
    monkeypatch.setattr(tasks.send_respondent_emails_task, "apply_async", unreachable)


@pytest.fixture(autouse=True)
def _invitation_emails_sent_in_process(monkeypatch):
    """Members' invitations likewise (``organisations.services.enqueue_invitation_emails``):
    the task runs here when it is handed over; tests/test_invitation_emails.py tests the
    handing over and a real worker."""
    from organisations import services, tasks

    def run_in_process(organisation_id: int) -> bool:
        tasks.send_invitation_emails_task.apply(args=[organisation_id])
        return True

    monkeypatch.setattr(services, "enqueue_invitation_emails", run_in_process)


def signed_in(user: User) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for(db) -> Callable[[User], Client]:
    """``client_for(user)``: a test client signed in as that user."""
    return signed_in


def access_for(user: User, org: Organisation):
    """The user's ``OrgAccess`` in ``org``, as a view would get it (services take it)."""
    from organisations.access import organisation_access

    return organisation_access(user, org.slug)


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a service and deliver the mail it queues for after the commit."""
    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)
    return run
