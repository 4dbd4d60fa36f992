"""Who may see who answered what: the anonymity of a round, in one place.

A round is **anonymous** (the default) or **named**, chosen while it is a draft and
shown to respondents before they answer (DESIGN.md, "Tenancy and access").

- Anonymous: nobody, not even the owner, sees who answered what. Wherever answers are
  shown per person (the answers export, the PDF appendix) a person is "Respondent 3".
- Named: owners, consultants and service managers see names; executives never do.

Either way, the list of who has and has not submitted (to send reminders) shows
status, never answers. Breakdowns by group (departments' teams, roles…) show no
group of fewer than :data:`MIN_GROUP_SIZE` submitted respondents on its own:
:func:`shown_groups`.

The whole round is such a group too: an anonymous round's results (every figure
derived from its answers: levels, indexes, axes, statements, next steps, charts,
exports, the consensus session's counts) are shown only once at least
:data:`MIN_GROUP_SIZE` responses are submitted (:func:`results_hidden`). With one, the
result is that person's answers; with two, each of them can subtract their own. Below
that every surface says why (:func:`withheld`), and a round counts as "no results
yet" wherever rounds are aggregated (:func:`results_may_show`, which
``AssessmentQuerySet.reported`` applies: trends, the organisation report, the home
overview, portfolios, the benchmark pool). Nobody is exempt: not the owner, not a
consultancy looking at its client's round. Answers imported from answer sheets count
as submitted responses, as they do in the results.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from organisations.access import OrgAccess

from .models import Assessment, Response

MIN_GROUP_SIZE = 3


def results_hidden(assessment: Assessment, submitted: int) -> bool:
    """Whether nobody may see the round's results: it is anonymous and fewer than
    :data:`MIN_GROUP_SIZE` responses are submitted (``submitted``: how many are, as
    ``selectors.response_counts`` counts them). The one rule; :func:`results_may_show`
    is the same rule for a query of rounds."""
    return assessment.is_anonymous and submitted < MIN_GROUP_SIZE


def results_may_show(path: str = "") -> Q:
    """:func:`results_hidden`, negated, for a query of rounds (``path``: the way to
    them): named rounds, and rounds with at least :data:`MIN_GROUP_SIZE` submitted
    responses. ``tests/test_anonymity.py`` checks that the two agree."""
    submitted = Response.objects.filter(Response.submitted(),
                                        assessment=OuterRef(f"{path}pk"))
    # EXISTS of the MIN_GROUP_SIZE-th one: no count of every submitted response.
    return (Q(**{f"{path}anonymity": Assessment.Anonymity.NAMED})
            | Q(Exists(submitted[MIN_GROUP_SIZE - 1:])))


@dataclass(frozen=True)
class Withheld:
    """Why a round's results are not shown (:func:`withheld`), for a surface to say so."""

    submitted: int
    invited: int
    minimum: int = MIN_GROUP_SIZE

    @property
    def message(self) -> str:
        return " ".join((
            ngettext("Results appear once at least %(minimum)s person has submitted: "
                     "this round is anonymous.",
                     "Results appear once at least %(minimum)s people have submitted: "
                     "this round is anonymous.", self.minimum) % {"minimum": self.minimum},
            _("%(submitted)s of %(invited)s submitted so far.") % {
                "submitted": self.submitted, "invited": self.invited}))


def withheld(assessment: Assessment, counts: Mapping[str, int]) -> Withheld | None:
    """Why the round's results are withheld (:func:`results_hidden`), or None when they
    may be shown. ``counts``: the round's ``selectors.response_counts``."""
    if not results_hidden(assessment, counts["submitted"]):
        return None
    return Withheld(submitted=counts["submitted"], invited=counts["total"])


def withheld_download(reason: Withheld) -> HttpResponse:
    """What a download of a round's answers or results (CSV, XLSX, JSON) answers while
    they are withheld: 403, saying why, and no file."""
    response = HttpResponse(reason.message, status=403, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


def names_visible(access: OrgAccess, anonymity: str) -> bool:
    """Whether this member sees who answered what in a round of this anonymity."""
    return anonymity == Assessment.Anonymity.NAMED and access.can("see_names")


def _shuffle_key(response_pk: int) -> str:
    # A keyed hash: an order nobody can derive from what the pages show (creation
    # order, the public ids in the reminder links, submission times).
    return hmac.new(settings.SECRET_KEY.encode(), f"respondent:{response_pk}".encode(),
                    hashlib.sha256).hexdigest()


def respondent_labels(responses: Iterable[Response], *, names: bool) -> dict[int, str]:
    """What to call each response's author where answers are shown per person:
    their name when ``names`` (see :func:`names_visible`), else "Respondent N",
    numbered in an order that says nothing about who is who. The labels come in the
    order to show them in (as given; by number)."""
    responses = list(responses)
    if names:
        return {r.pk: r.display_name for r in responses}
    ordered = sorted(responses, key=lambda r: _shuffle_key(r.pk))
    return {r.pk: _("Respondent %(number)s") % {"number": n}
            for n, r in enumerate(ordered, start=1)}


def shown_groups[K: Hashable, T](groups: Mapping[K, Sequence[T]], *, anonymous: bool,
                                  merged: K) -> dict[K, list[T]]:
    """The groups of a per-group breakdown (each a list of submitted responses) that
    may be shown. In an anonymous round a group of fewer than ``MIN_GROUP_SIZE`` is
    never shown on its own: the small groups are merged into one called ``merged``.
    If that one is still too small, the smallest shown groups join it (else the whole
    round minus the shown groups would give the small ones away); if it never reaches
    the minimum, nothing is shown."""
    if not anonymous:
        return {key: list(members) for key, members in groups.items()}
    shown: dict[K, list[T]] = {}
    rest: list[T] = []
    for key, members in groups.items():
        if len(members) >= MIN_GROUP_SIZE:
            shown[key] = list(members)
        else:
            rest.extend(members)
    while rest and len(rest) < MIN_GROUP_SIZE and shown:
        smallest = min(shown, key=lambda key: len(shown[key]))
        rest.extend(shown.pop(smallest))
    if not rest:
        return shown
    if len(rest) < MIN_GROUP_SIZE:
        return {}
    return {**shown, merged: rest}


def shown_respondent_groups[T](groups: Mapping[str, Sequence[T]], *,
                               merged: Hashable = None) -> tuple[dict, int]:
    """The respondent groups of a round (``Response.group``, "" for respondents without
    one) whose results may be shown, by :func:`shown_groups`, and how many of the given
    groups are not shown on their own.

    Held to the minimum in a named round too: the results of a group reach every reader
    of the round's results and report, executives included, who never see who answered
    what; a group of one would show its member's answers."""
    shown = shown_groups(groups, anonymous=True, merged=merged)
    return shown, sum(1 for key in groups if key not in shown)
