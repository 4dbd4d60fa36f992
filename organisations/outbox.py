"""Emails a request owes and a Celery worker sends after the commit: the pieces every
app's email task shares (members' invitations here, respondents' invitations and
reminders in ``assessments``).

The request only records what is owed, in the database; once the transaction commits
it hands a task to the broker (:func:`enqueue`). The task sends each owed email once
(:func:`send_each_once`): claimed with a conditional update before it goes out, so a
retry or a message delivered twice emails nobody twice, and given back when sending
fails, so a later run tries it again without holding up the others
(:func:`after_run`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings

logger = logging.getLogger(__name__)

# A run stops claiming emails after this share of the soft time limit, and sends the
# rest in a run of its own: hundreds of emails never meet the limit mid-send.
TIME_SHARE = 0.5
MAX_RETRIES = 3


def emails_queue() -> str | None:
    """The Celery queue for emails (``EMAILS_QUEUE``; None: the default queue), so that
    a deployment can give them workers of their own, and the worker tests a queue."""
    return getattr(settings, "EMAILS_QUEUE", None) or os.environ.get("EMAILS_QUEUE") or None


def enqueue(task, *, args: list, kwargs: dict | None = None, what: str) -> bool:
    """Hand ``task`` to a worker on the emails queue. A broker that cannot be reached is
    logged, not raised: what the request did stands and the emails stay owed (the pages
    say "email not sent yet")."""
    try:
        task.apply_async(args=args, kwargs=kwargs or {}, queue=emails_queue())
    except Exception:  # noqa: BLE001 - kombu raises many kinds
        logger.exception("Could not send the emails of %s to a worker", what)
        return False
    return True


def deadline() -> float:
    """The ``time.monotonic()`` moment a run stops claiming (``TIME_SHARE``)."""
    return time.monotonic() + TIME_SHARE * settings.CELERY_TASK_SOFT_TIME_LIMIT


@dataclass(frozen=True)
class EmailsSent:
    sent: int = 0
    failed: int = 0  # given back: still owed, the next run tries them again
    left: int = 0  # not tried before the time ran out


@dataclass
class Run[T]:
    """The owed emails a run sent, those that failed (given back), and how many it did
    not try before its time ran out."""

    sent: list[T] = field(default_factory=list)
    failed: list[T] = field(default_factory=list)
    left: int = 0

    @property
    def counts(self) -> EmailsSent:
        return EmailsSent(len(self.sent), len(self.failed), self.left)


def send_each_once[T](items: Sequence[T], *, claim: Callable[[T], bool],
                      send: Callable[[T], object], give_back: Callable[[T], object],
                      describe: Callable[[T], str], until: float | None = None,
                      still: Callable[[], bool] | None = None) -> Run[T]:
    """Send the email owed for each of ``items``, each once whoever else runs.

    ``claim(item)`` marks it sent with a conditional update (False: sent meanwhile or no
    longer owed, it is skipped) before ``send(item)``; when sending raises, the failure
    is logged (``describe(item)`` says which email) and ``give_back(item)`` makes it
    owed again, and the others go on. The run stops before ``until`` (a
    ``time.monotonic()`` moment; the rest are counted in ``left``) and as soon as
    ``still()`` is false (say, the round closed meanwhile).
    """
    run: Run[T] = Run()
    for done, item in enumerate(items):
        if until is not None and time.monotonic() >= until:
            run.left = len(items) - done
            break
        if still is not None and not still():
            break
        if not claim(item):
            continue
        try:
            send(item)
        except Exception:  # noqa: BLE001 - SMTP, DNS, a template: one recipient's problem
            logger.exception("%s failed; the next run tries it again", describe(item))
            give_back(item)
            run.failed.append(item)
        else:
            run.sent.append(item)
    return run


def after_run(task, outcome: EmailsSent, *, requeue: Callable[[], object]) -> dict:
    """What a bound email task does once its run is over: the rest at once in a new run
    (``requeue``) while emails go out; failures (the mail server refused or was away)
    and a run that sent nothing in its time again later, with backoff, by a retry."""
    if outcome.left and outcome.sent:
        requeue()
    elif (outcome.failed or outcome.left) and task.request.retries < task.max_retries:
        raise task.retry(countdown=30 * 2 ** task.request.retries)
    return {"sent": outcome.sent, "failed": outcome.failed, "left": outcome.left}
