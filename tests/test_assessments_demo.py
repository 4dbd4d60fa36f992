"""The demo assessments: three rounds per demo department, varied results, idempotent."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count

from assessments import demo
from assessments.models import Answer, Assessment, Response
from assessments.selectors import results_by_assessment
from models_catalog.models import ModelVersion
from organisations.demo import seed_organisations


@pytest.fixture
def orgs(db):
    orgs = seed_organisations()
    call_command("load_catalog", verbosity=0)
    return orgs


def _snapshot():
    return (list(Assessment.objects.order_by("id").values_list("id", "name", "status")),
            Response.objects.count(), Answer.objects.count())


def test_it_seeds_three_rounds_per_department_and_is_idempotent(orgs):
    demo.seed(orgs)
    first = _snapshot()
    demo.seed(orgs)
    assert _snapshot() == first

    rounds = list(Assessment.objects.filter(department__name__in=demo.DEPARTMENTS)
                  .select_related("department", "organisation", "model_version__model"))
    assert len(rounds) == 2 * 3 * 3
    for assessment in rounds:
        expected = ("ssm-ticket-process" if assessment.department.name == "Facilities"
                    else {"acme": "topdesk-semm", "globex": "hu-service-maturity"}[
                        assessment.organisation.slug])
        assert assessment.model_version.model.slug == expected
        grouped = (assessment.organisation.slug, assessment.department.name,
                   assessment.name) == demo.GROUPED_ROUND  # more respondents, in groups
        assert 3 <= assessment.responses.count() <= (10 if grouped else 5)
        assert assessment.responses.filter(user__email__startswith="manager@").count() == 1
        # The rounds are anonymous: all but HR Services' open one have the three submitted
        # responses their results need; that one shows why it has none yet
        # (assessments.anonymity).
        submitted = assessment.responses.filter(submitted_at__isnull=False).count()
        assert assessment.is_anonymous
        shown = assessment.is_closed or assessment.department.name != "HR Services"
        assert (submitted >= 3) == shown, assessment
    statuses = sorted(a.status for a in rounds if a.department.name == "HR Services"
                      and a.organisation.slug == "acme")
    assert statuses == ["closed", "closed", "open"]

    # Every closed round counts (an open one is in progress: AssessmentQuerySet.reported).
    assert len(Assessment.objects.filter(pk__in=[a.pk for a in rounds]).reported()) == len(
        [a for a in rounds if a.is_closed]) == 12
    results = results_by_assessment(rounds)
    levels = {(r.overall.level, round(r.overall.index, 1)) for r in results.values()}
    assert len(levels) >= 4  # departments and rounds differ
    positions = {round(r.axis("focus").position, 2) for r in results.values()
                 if r.axis("focus").position is not None}
    assert len(positions) >= 4
    assert any(q.spread and q.spread > 0.3 for r in results.values()
               for q in r.questions.values())  # respondents disagree somewhere
    # The manager has an unfinished questionnaire to continue in the open round.
    open_rounds = [a for a in rounds if a.is_open]
    assert all(a.responses.filter(submitted_at__isnull=True).exists() for a in open_rounds)


def test_it_runs_as_part_of_seed_demo(db):
    call_command("seed_demo", verbosity=0)
    names = [name for name, _created, _closed in demo.ROUNDS]
    first = _snapshot()
    assert Assessment.objects.filter(name__in=names).count() == 18
    call_command("seed_demo", verbosity=0)
    assert _snapshot() == first


def test_new_rounds_use_the_newest_published_version_of_each_shipped_model(db, tmp_path):
    """A database that has version 1 of a shipped model from an older file gets the
    current file as version 2, and the demo's rounds pin it."""
    orgs = seed_organisations()
    catalogue = Path(settings.BASE_DIR) / "models_catalog" / "catalogue"
    old = yaml.safe_load((catalogue / "topdesk-semm.yaml").read_text(encoding="utf-8"))
    old["model"]["name"]["en"] = "An older TOPdesk model"
    # It has the statements the current file's answers carry from (carried_from).
    keys = {q["key"] for q in old["questions"]}
    for question in list(old["questions"]):
        for key in question.pop("carried_from", []):
            if key not in keys:
                old["questions"].append({**copy.deepcopy(question), "key": key})
                keys.add(key)
    (tmp_path / "topdesk-semm.yaml").write_text(yaml.safe_dump(old, allow_unicode=True))
    call_command("load_catalog", "--directory", str(tmp_path), verbosity=0)
    first = ModelVersion.objects.get(model__slug="topdesk-semm")

    demo.seed(orgs)
    newest = ModelVersion.objects.get(model__slug="topdesk-semm", status="published")
    assert newest.number == first.number + 1
    rounds = Assessment.objects.filter(organisation__slug="acme",
                                       department__name__in=demo.DEPARTMENTS).exclude(
        department__name="Facilities")
    assert rounds.exists()
    assert set(rounds.values_list("model_version", flat=True)) == {newest.pk}


def test_a_closed_demo_round_has_respondent_groups_with_a_privacy_note(orgs, client):
    from assessments.selectors import assessment_results, group_summary
    from models_catalog.texts import model_texts

    demo.seed(orgs)
    slug, department, name = demo.GROUPED_ROUND
    assessment = Assessment.objects.get(organisation__slug=slug, department__name=department,
                                        name=name)
    assert assessment.is_closed
    summary = group_summary(assessment, assessment_results(assessment),
                            model_texts(assessment.model_version))
    shown = {g["name"]: g["respondents"] for g in summary["groups"]}
    assert summary["compared"] and min(shown.values()) >= 3
    assert "Service desk agents" in shown
    assert summary["hidden"] >= 1  # a group of fewer than three: the page says so
    assert "IT management" not in shown
    assert summary["flags"] >= 1


def test_the_demo_has_rounds_on_version_1_whose_next_rounds_carry_the_answers(orgs, client):
    """Oceanic's Customer Service round on version 1 of the TOPdesk model waits for its
    next round, which carries every respondent's answers to version 2; Field Service's next
    round is open on version 2, and the link seed_demo prints opens a questionnaire whose
    answers from last round wait to be confirmed."""
    import re

    from assessments import followup
    from assessments.models import CarriedAnswer
    from organisations.access import organisation_access
    from organisations.models import User

    notes = demo.seed(orgs)
    versions = {v.number: v for v in ModelVersion.objects.filter(model__slug="topdesk-semm")}
    v1, v2 = versions[1], versions[2]
    assert v1.status == "retired" and v2.status == "published"
    assert v2.questions.exclude(carried_from=[]).exists()

    spring = Assessment.objects.get(organisation__slug="oceanic",
                                    department__name="Customer Service", name="Spring 2026")
    assert spring.is_closed and spring.model_version == v1 and not spring.follow_ups.exists()
    assert spring.anonymity == "named"
    consultant = User.objects.get(email="consultant@example.com")
    next_round = followup.assessment_start_next(
        by=organisation_access(consultant, "oceanic"), assessment=spring, name="Q1 2027",
        model_choice=followup.LATEST_VERSION)
    assert next_round.model_version == v2
    carried = CarriedAnswer.objects.filter(response__assessment=next_round)
    assert carried.values("response").distinct().count() == spring.responses.count() == 4
    assert not Answer.objects.filter(response__assessment=next_round).exists()

    autumn = Assessment.objects.get(organisation__slug="oceanic",
                                    department__name="Field Service", name="Autumn 2026")
    assert autumn.is_open and autumn.model_version == v2 and autumn.follows.model_version == v1
    waiting = dict(CarriedAnswer.objects.filter(response__assessment=autumn)
                   .values_list("response__email").annotate(n=Count("id")))
    assert waiting[""] > 20 and waiting[demo.FOLLOW_UP_LINK] > 20  # the manager and Daniel
    assert demo.FOLLOW_UP_SUBMITTED not in waiting
    submitted = autumn.responses.get(email=demo.FOLLOW_UP_SUBMITTED)
    assert submitted.submitted_at and submitted.answers.count() == v2.questions.count()
    half = autumn.responses.get(email=demo.FOLLOW_UP_ONE_PAGE)
    assert half.answers.exists() and demo.FOLLOW_UP_ONE_PAGE in waiting

    token = re.search(r"/r/([\w-]+)/", "\n".join(notes)).group(1)
    first = v2.dimensions.order_by("position").first().key
    page = client.get(f"/r/{token}/dimension/{first}/").content.decode()
    assert "From last round:" in page and "Confirm the answers from last round" in page

    before = (_snapshot(), CarriedAnswer.objects.count())
    assert demo.seed(orgs) == notes
    assert (_snapshot(), CarriedAnswer.objects.count()) == before
