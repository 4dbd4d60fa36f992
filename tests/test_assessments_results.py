"""Results of an assessment: the scoring engine on the saved answers, and pages whose
query count does not grow with the number of respondents or questions."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command, get_commands
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, Response
from assessments.selectors import assessment_results, results_by_assessment
from models_catalog.selectors import model_spec
from models_catalog.texts import model_texts
from scoring import result_as_contract, score
from tests.assessment_factories import (
    invitee,
    make_assessment,
    respondents_with_answers,
    version_with,
)
from tests.conftest import access_for, signed_in

ANSWERS = [
    {"people.2.1": "fully", "people.3.1": "largely", "people.4.1": "dk",
     "customers.2.1": "largely", "customers.3.1": "na", "customers.4.1": "partly"},
    {"people.2.1": "largely", "people.3.1": "partly", "customers.2.1": "fully",
     "customers.3.1": "na", "customers.4.1": "not_in_place"},
    {"people.2.1": "fully", "people.3.1": "fully", "people.4.1": "partly",
     "customers.2.1": "largely"},
]


def _answer(response, answers):
    for key, option in answers.items():
        services.answer_save(response=response, question_key=key, option=option)


@pytest.fixture
def scored(world):
    """An assessment with three submitted responses and one still in progress."""
    assessment = make_assessment(world, version=version_with(slug="scored-model"),
                                 target_level=4)
    for i, answers in enumerate(ANSWERS):
        response, _token = invitee(assessment, f"r{i}@example.test")
        _answer(response, answers)
        services.response_submit(response=response)
    draft, _token = invitee(assessment, "late@example.test")
    _answer(draft, {"people.2.1": "not_in_place", "customers.2.1": "not_in_place"})
    return assessment


def test_it_equals_the_engine_on_the_submitted_answers(scored):
    spec = model_spec(scored.model_version)
    expected = score(spec, ANSWERS, target_level=4)
    result = assessment_results(scored)
    assert result == expected
    assert result.overall.level == expected.overall.level
    assert result.next_steps == expected.next_steps


def test_it_counts_only_submitted_responses(scored):
    late = Response.objects.get(email="late@example.test")
    before = assessment_results(scored)
    services.response_submit(response=late)
    after = assessment_results(scored)
    assert before == score(model_spec(scored.model_version), ANSWERS, target_level=4)
    assert after == score(model_spec(scored.model_version), [
        *ANSWERS, {"people.2.1": "not_in_place", "customers.2.1": "not_in_place"}],
        target_level=4)
    assert after.questions["people.2.1"].n_values == 4


def test_it_scores_a_round_without_submissions_as_an_empty_questionnaire(world):
    assessment = make_assessment(world)
    result = assessment_results(assessment)
    assert result.overall.level == 1 and result.completeness == 0
    assert result.target_level == 2  # default: one above the current level


@pytest.mark.skipif("score_answers" not in get_commands(),
                    reason="the score_answers command is not there yet")
def test_it_equals_what_score_answers_prints_for_the_same_answers(scored, tmp_path):
    version = scored.model_version
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"respondents": [{"answers": a} for a in ANSWERS],
                                "target_level": 4}))
    out = io.StringIO()
    call_command("score_answers", "--model", version.model.slug, "--version",
                 str(version.number), str(path), stdout=out)
    printed = json.loads(out.getvalue())
    ours = result_as_contract(assessment_results(scored), model_slug=version.model.slug,
                              version=version.number,
                              level_names=model_texts(version).level_names())
    assert printed == ours


def test_it_shows_the_summary_on_the_assessment_page(world, scored):
    result = assessment_results(scored)
    html = signed_in(world.acme.viewer).get(reverse("assessments:detail", kwargs={
        "org_slug": "acme", "assessment_id": scored.public_id})).content.decode()
    assert "Based on 3 submitted responses." in html
    assert "1 response is not submitted yet" in html
    names = model_texts(scored.model_version).level_names()
    assert names[result.overall.level] in html
    assert f"{result.overall.index:.2f}" in html
    for step in result.next_steps[:3]:
        assert f"Do {step.question}" in html  # its recommendation
    assert "Internal" in html and "External" in html  # the focus axis's poles
    assert "Where respondents disagree most" in html


def test_it_shows_rounds_and_their_trend_on_the_department_page(world):
    version = version_with(slug="trend-model")
    for name, answers in (("Q1 2026", {"people.2.1": "partly"}),
                          ("Q3 2026", {"people.2.1": "fully", "customers.2.1": "fully"})):
        # Named: one respondent's anonymous round shows no result (test_anonymity.py).
        assessment = make_assessment(world, version=version, name=name, anonymity="named")
        response, _token = invitee(assessment, f"{name}@example.test")
        _answer(response, answers)
        services.response_submit(response=response)
        services.assessment_close(by=access_for(world.acme.manager, world.acme.org),
                                  assessment=assessment)
    make_assessment(world, version=version, name="Q1 2027", anonymity="named")
    page = reverse("assessments:department", kwargs={
        "org_slug": "acme", "department_id": world.acme.departments[0].public_id})
    html = signed_in(world.acme.viewer).get(page).content.decode()
    table = html[html.index("<table"):]
    assert table.index("Q1 2027") < table.index("Q3 2026") < table.index("Q1 2026")
    assert "<svg" in html and "<polyline" in html
    assert "No submitted responses yet." in html
    assert "People" in html and "Customers" in html
    # A submission in the open round: its figures are listed as provisional, and the
    # trend stays the closed rounds' (AssessmentQuerySet.reported).
    [still_open] = Assessment.objects.filter(name="Q1 2027")
    response, _token = invitee(still_open, "q1-2027@example.test")
    _answer(response, {"people.2.1": "largely"})
    services.response_submit(response=response)
    html = signed_in(world.acme.viewer).get(page).content.decode()
    assert "Provisional until the round closes" in html
    trend = html[html.index('id="trend-desc"'):html.index("</desc>")]
    assert "Q1 2026" in trend and "Q3 2026" in trend and "Q1 2027" not in trend


# ------------------------------------------------------------------------ query counts


def _count(client, url, method="get", **kwargs):
    getattr(client, method)(url, **kwargs)  # warm up per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _round(world, questions, respondents, name):
    assessment = make_assessment(world, version=version_with(questions, slug=name), name=name)
    respondents_with_answers(assessment, respondents - 1)
    # The manager answers too, in progress, so the pages show a partly filled questionnaire.
    response = services.member_response(assessment=assessment, user=world.acme.manager)
    services.answer_save(response=response, question_key="people.2.1", option="partly")
    return assessment


@pytest.mark.parametrize("questions,respondents", [(10, 1), (10, 10), (100, 1), (100, 10)])
def test_it_pins_the_query_counts(world, questions, respondents):
    assessment = _round(world, questions, respondents, f"qc-{questions}-{respondents}")
    manager = signed_in(world.acme.manager)
    kw = {"org_slug": "acme", "assessment_id": assessment.public_id}
    counts = {
        "questionnaire": _count(manager, reverse("assessments:answer_dimension", kwargs={
            **kw, "dimension_key": "people"})),
        "autosave": _count(manager, reverse("assessments:answer_save", kwargs=kw), "post",
                           data=json.dumps({"question": "people.3.1", "option": "fully"}),
                           content_type="application/json"),
        "results page": _count(manager, reverse("assessments:detail", kwargs=kw)),
        "department": _count(manager, reverse("assessments:department", kwargs={
            "org_slug": "acme", "department_id": world.acme.departments[0].public_id})),
    }
    with CaptureQueriesContext(connection) as queries:
        assessment_results(assessment)
    counts["results, kept"] = len(queries)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assessment_results(assessment)
    counts["results"] = len(queries)
    # With no submitted response (one respondent: the manager, in progress) there are
    # no answers to read: one query less; and the pages score nothing at all.
    assert counts == {**QUERY_COUNTS, "results": 2 if respondents > 1 else 1,
                      **({} if respondents > 1 else {
                          "results page": QUERY_COUNTS["results page"] - 1,
                          "department": QUERY_COUNTS["department"] - 1})}


# Pinned (STYLE.md, 7): a new query must be justified and the number changed here.
# Each tenant page starts with session, user, and the organisation with the role (3).
QUERY_COUNTS = {
    # + my response with its assessment, department and version (one query; the
    #   assessment alone before the first answer), my answers, and the organisation
    #   switcher; the version's content is read once per process
    #   (models_catalog.snapshot)
    "questionnaire": 6,
    # + my response with its assessment and version; then on PostgreSQL one statement
    #   (the upsert if the response is unchanged, with the answered count); on SQLite,
    #   in a transaction (a savepoint in tests), the locked response, the upsert, the
    #   answered count. Question and option keys come from version_structure.
    "autosave": 5 if connection.vendor == "postgresql" else 9,
    # + assessment, respondents with their answered counts, response counts (who
    #   counts as invited: presentation.COUNTED_AS_INVITED), results (1: kept in the
    #   cache since the warm-up request), the shared links with their counts (issue
    #   15), and the organisation switcher; the question count and the texts come from
    #   the version's snapshot (once per process); respondent groups read the
    #   respondents already read, and their answers only when there are groups
    "results page": 9,
    # + department, rounds, results (1, kept), response counts, and the organisation
    #   switcher (texts: once per process and version)
    "department": 8,
    # the submitted responses; the results themselves come from the cache
    "results, kept": 1,
    # not in the cache: the submitted responses, their answers (the version's spec
    # comes from its snapshot, read once per process)
    "results": 2,
}


def test_it_scores_several_rounds_of_one_version_with_one_spec(world, django_assert_num_queries):
    version = version_with(slug="batch-model")
    rounds = [make_assessment(world, version=version, name=f"R{i}") for i in range(3)]
    for assessment in rounds:
        respondents_with_answers(assessment, 2)
    # the submitted responses, their answers, and the version's snapshot once: its
    # five parts and its model (for the texts' slug)
    with django_assert_num_queries(8):
        results = results_by_assessment(rounds)
    assert set(results) == {a.pk for a in rounds}


def test_it_counts_submitted_responses_of_a_round_only_once_they_are_final(world):
    access = access_for(world.acme.manager, world.acme.org)
    assessment = make_assessment(world)
    response = services.respondent_invite(by=access, assessment=assessment,
                                          email="x@example.test")
    services.answer_save(response=response, question_key="people.2.1", option="fully")
    assert assessment_results(assessment).questions["people.2.1"].n_values == 0


def _fresh(assessment, language="en"):
    """The results computed now, without the cache."""
    cache.clear()
    return assessment_results(assessment, language)


def test_it_keeps_results_until_what_they_are_computed_from_changes(scored):
    from assessments.models import Assessment

    first = assessment_results(scored, "en")
    with CaptureQueriesContext(connection) as queries:
        again = assessment_results(scored, "en")
    assert again == first and len(queries) == 1  # the submitted responses only

    # A new submission counts at once.
    late = Response.objects.get(assessment=scored, submitted_at__isnull=True)
    services.response_submit(response=late)
    after_submit = assessment_results(scored, "en")
    assert after_submit == _fresh(scored)
    assert len(after_submit.respondent_completeness) == 4

    # A response no longer submitted (reopened) leaves the results at once.
    Response.objects.filter(pk=late.pk).update(submitted_at=None)
    assert assessment_results(scored, "en") == first

    # The target level is part of the key; so is the language of the texts.
    Assessment.objects.filter(pk=scored.pk).update(target_level=2)
    scored.refresh_from_db()
    assert assessment_results(scored, "en").target_level == 2
    assert assessment_results(scored, "en") == _fresh(scored)
    assert assessment_results(scored, "sv") == _fresh(scored, "sv")


def test_it_never_keeps_the_results_of_a_round_on_a_draft_version(world):
    from models_catalog.models import ModelVersion

    assessment = make_assessment(world, version=version_with(slug="draft-kept"))
    respondents_with_answers(assessment, 2)
    ModelVersion.objects.filter(pk=assessment.model_version_id).update(
        status=ModelVersion.Status.DRAFT)
    assessment.model_version.refresh_from_db()
    assessment_results(assessment)
    with CaptureQueriesContext(connection) as queries:
        assessment_results(assessment)
    assert len(queries) == 7  # computed again: a draft's questions may have changed


def test_a_new_version_of_the_scoring_rules_never_serves_kept_results(scored, monkeypatch):
    import scoring

    first = assessment_results(scored, "en")
    with CaptureQueriesContext(connection) as queries:
        assert assessment_results(scored, "en") == first
    assert len(queries) == 1  # kept: the submitted responses only
    monkeypatch.setattr(scoring, "ENGINE_VERSION", scoring.ENGINE_VERSION + 1)
    with CaptureQueriesContext(connection) as queries:
        assert assessment_results(scored, "en") == first
    assert len(queries) == 2  # computed again: responses, answers (the spec is kept)


def test_it_says_why_each_dimension_is_at_its_level_in_the_readers_language(world, scored):
    # θ 0.75. people: level 2 met (8/9), level 3 at (2/3 + 1/3 + 1)/3 = 2/3, short:
    # people.3.1. customers: level 2 met, level 3 not applicable (vacuous), level 4
    # at (1/3 + 0)/2, short: customers.4.1.
    result = assessment_results(scored)
    assert [d.level for d in result.dimensions] == [2, 3]
    url = reverse("assessments:detail", kwargs={"org_slug": "acme",
                                                "assessment_id": scored.public_id})
    html = " ".join(signed_in(world.acme.viewer).get(url).content.decode().split())
    assert "Why this level" in html
    assert ('stopped at level 3 (Proactive), 67 % in place by: <ul class="mb-0 ps-3">'
            '<li>Statement people.3.1</li>') in html
    assert ('stopped at level 4 (Strategic), 17 % in place by: <ul class="mb-0 ps-3">'
            '<li>Statement customers.4.1</li>') in html
    viewer = world.acme.viewer
    viewer.language = "sv"
    viewer.save()
    html = " ".join(signed_in(viewer).get(url).content.decode().split())
    assert "Varför den här nivån" in html
    assert "stannade vid nivå 3 (Proaktiv)" in html and "Påstående people.3.1" in html


def test_it_says_nothing_about_why_when_every_dimension_is_at_the_top(world):
    assessment = make_assessment(world, version=version_with(slug="top-model"))
    response, _token = invitee(assessment, "top@example.test")
    _answer(response, dict.fromkeys(
        ["people.2.1", "people.3.1", "people.4.1", "customers.2.1", "customers.3.1",
         "customers.4.1"], "fully"))
    services.response_submit(response=response)
    html = signed_in(world.acme.viewer).get(reverse("assessments:detail", kwargs={
        "org_slug": "acme", "assessment_id": assessment.public_id})).content.decode()
    assert "Why this level" not in html
