"""The busiest requests stay cheap: the tenant lookup of every tenant page, the
questionnaire's structure, the autosave. Found with ``benchmarks/load_benchmark.py``;
the pages' own counts are pinned in test_assessments_results.py and test_query_counts.py.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Response
from assessments.selectors import questionnaire
from models_catalog import services as catalog_services
from models_catalog.models import ModelVersion
from models_catalog.selectors import version_structure
from organisations.access import organisation_access
from tests.assessment_factories import invitee, make_assessment, version_with
from tests.catalog_factories import make_version
from tests.conftest import signed_in


def _save_url(assessment, org_slug=None):
    return reverse("assessments:answer_save", kwargs={
        "org_slug": org_slug or assessment.organisation.slug,
        "assessment_id": assessment.public_id})


def _save(client, url, **payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_it_resolves_the_tenant_role_and_the_parent_in_one_query(world):
    organisation_access(world.acme.manager, "acme")  # prepares it (PostgreSQL, once)
    with CaptureQueriesContext(connection) as queries:
        access = organisation_access(world.northwind.consultant, "acme")
        # The breadcrumbs and the home page read the parent: no query of its own.
        assert access.organisation.parent.name == "Northwind"
        assert access.organisation.parent.slug == "northwind"
    assert access.role == "consultant" and access.via_consultancy
    assert access.organisation.slug == "acme"
    assert len(queries) == 1


def test_the_one_query_takes_the_better_of_the_direct_and_the_inherited_role(world):
    from organisations.models import Membership, Role

    Membership.objects.create(user=world.northwind.consultant, organisation=world.acme.org,
                              role=Role.VIEWER)
    access = organisation_access(world.northwind.consultant, "acme")
    assert (access.role, access.via_consultancy) == ("consultant", True)
    own = organisation_access(world.acme.manager, "acme")
    assert (own.role, own.via_consultancy) == ("manager", False)
    assert own.organisation.parent.name == "Northwind"


def test_it_reads_a_released_versions_structure_once_per_process(world):
    version = version_with(12, slug="structure-once")
    with CaptureQueriesContext(connection) as first:
        structure = version_structure(version)
    with CaptureQueriesContext(connection) as again:
        assert version_structure(version) is structure
    assert (len(first), len(again)) == (5, 0)  # the snapshot: five parts, read once
    assert len(structure.questions) == 12 and set(structure.question_ids) == {
        q.key for q in structure.questions}
    assert all(q.dimension in structure.dimensions for q in structure.questions)


def test_it_builds_a_questionnaire_from_one_query_once_the_structure_is_read(world):
    assessment = make_assessment(world, version=version_with(30, slug="structure-page"))
    response = services.member_response(assessment=assessment, user=world.acme.manager)
    services.answer_save(response=response, question_key="people.2.1", option="fully")
    questionnaire(assessment.model_version, response)
    with CaptureQueriesContext(connection) as queries:
        q = questionnaire(assessment.model_version, response)
    assert len(queries) == 1  # the respondent's answers
    assert q.total == 30 and q.answered == 1


def test_it_reads_a_drafts_structure_afresh_every_time(world):
    draft = make_version(slug="structure-draft", publish=False)
    assert draft.status == ModelVersion.Status.DRAFT
    before = version_structure(draft)
    catalog_services.option_add(version=draft, by=None, key="mostly",
                                label={"en": "Mostly"}, value=0.8)
    with CaptureQueriesContext(connection) as queries:
        after = version_structure(draft)
    assert len(queries) == 5
    assert "mostly" in after.option_keys and "mostly" not in before.option_keys


def test_it_never_serves_the_structure_of_another_row_with_the_same_key(world):
    version = version_with(8, slug="structure-key")
    version_structure(version)
    # The same primary key with another creation time: a reused key after a rollback.
    other = ModelVersion.objects.get(pk=version.pk)
    other.created_at = other.created_at.replace(year=2001)
    with CaptureQueriesContext(connection) as queries:
        version_structure(other)
    assert len(queries) == 6  # read again: the five parts, and the model of this instance


def _counted_saves(client, url, answers) -> list[int]:
    """The queries of each save (each must succeed)."""
    counts = []
    for question, option in answers:
        with CaptureQueriesContext(connection) as queries:
            reply = _save(client, url, question=question, option=option)
        assert reply.status_code == 200 and reply.json()["option"] == option
        counts.append(len(queries))
    return counts


def test_it_autosaves_after_the_first_answer_in_a_fixed_number_of_queries(world):
    assessment = make_assessment(world, version=version_with(40, slug="autosave-fixed"))
    client, url = signed_in(world.acme.manager), _save_url(assessment)
    assert _save(client, url, question="people.2.1", option="partly").status_code == 200
    # (the first save creates the response; the second prepares the statement of the
    # later ones on PostgreSQL, once per connection)
    assert _save(client, url, question="people.4.1", option="largely").status_code == 200
    counts = _counted_saves(client, url, (("people.3.1", "fully"), ("customers.2.1", "na"),
                                          ("people.2.1", "dk")))
    # session, user, organisation with role, my response with its assessment; then on
    # PostgreSQL the upsert with the answered count if the response is unchanged (one
    # statement, no transaction); on SQLite, in a transaction, the locked response, the
    # upsert, the answered count
    expected = 5 if connection.vendor == "postgresql" else 9
    assert counts == [expected] * 3
    assert Answer.objects.filter(response__assessment=assessment).count() == 4


def test_an_invited_person_autosaves_in_a_fixed_number_of_queries(world):
    assessment = make_assessment(world, version=version_with(40, slug="link-autosave"))
    _response, token = invitee(assessment)
    client, url = Client(), reverse("respondent:save", args=[token])
    assert _save(client, url, question="people.2.1", option="partly").status_code == 200
    assert _save(client, url, question="people.4.1", option="largely").status_code == 200
    counts = _counted_saves(client, url, (("people.3.1", "fully"), ("customers.2.1", "na")))
    # the response by its link with its assessment, organisation, department and
    # version (one statement); then the save as a member's (PostgreSQL: one statement;
    # SQLite: the locked way, in a transaction)
    expected = 2 if connection.vendor == "postgresql" else 6
    assert counts == [expected] * 2
    assert Answer.objects.filter(response__assessment=assessment).count() == 4


def test_it_refuses_an_unknown_question_or_option_from_the_structure(world):
    assessment = make_assessment(world)
    client, url = signed_in(world.acme.manager), _save_url(assessment)
    assert _save(client, url, question="people.2.1", option="fully").status_code == 200
    assert _save(client, url, question="nope.1", option="fully").status_code == 400
    assert _save(client, url, question="people.2.1", option="sometimes").status_code == 400
    assert Answer.objects.get().option == "fully"


def test_it_does_not_find_a_response_through_another_organisations_url(world):
    """The consultant may act in acme and globex; their acme response is not reachable
    (nor created) through globex's URLs."""
    assessment = make_assessment(world)  # acme's
    client = signed_in(world.northwind.consultant)
    assert _save(client, _save_url(assessment), question="people.2.1",
                 option="fully").status_code == 200
    reply = _save(client, _save_url(assessment, org_slug="globex"), question="people.2.1",
                  option="na")
    assert reply.status_code == 404
    assert Response.objects.filter(user=world.northwind.consultant).count() == 1
    assert Answer.objects.get().option == "fully"


def test_the_autosave_reports_how_many_answers_have_an_option_after_each_save(world):
    assessment = make_assessment(world)
    client, url = signed_in(world.acme.manager), _save_url(assessment)
    steps = [dict(question="people.2.1", option="fully"),      # new answer
             dict(question="people.3.1", comment="later"),     # comment only: no option
             dict(question="people.3.1", option="na"),         # now answered
             dict(question="people.2.1", comment="why"),       # comment keeps the option
             dict(question="people.2.1", option=""),           # cleared
             dict(question="customers.2.1", option="dk")]
    for step in steps:
        reply = _save(client, url, **step)
        assert reply.status_code == 200, reply.content
        stored = Answer.objects.filter(response__assessment=assessment).exclude(option="")
        assert reply.json()["answered"] == stored.count(), step
    assert reply.json()["answered"] == 2


@pytest.mark.django_db(transaction=True)
def test_it_prepares_each_busy_statement_once_per_connection():
    from django.db import connections

    from organisations.sql import execute

    def run():
        with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
            execute(cursor, "SELECT %s + 1", [41])
            assert cursor.fetchone() == (42,)
        return [q["sql"].split()[0] for q in queries.captured_queries]

    if connection.vendor != "postgresql":
        assert run() == run() == ["SELECT"]
        return
    connections.close_all()  # a new connection has no prepared statements
    first, again = run(), run()
    assert first == ["PREPARE", "EXECUTE"] and again == ["EXECUTE"]
    connections.close_all()
    assert run() == ["PREPARE", "EXECUTE"]
