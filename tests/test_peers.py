"""The benchmark pool (peers/): consent, k-anonymity, one client one voice, tenancy.

The tests try to break the privacy rules: small pools, a sector with one client, an
opt-out that shrinks the pool, a client with many departments, a client of another
consultancy, a consultancy consenting for its client."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from assessments import services as assessment_services
from assessments.selectors import assessment_results
from organisations.models import AuditEvent, Organisation
from peers import pool, services
from peers.models import Participation, PoolEntry, Programme, Sector, SizeBand
from peers.tasks import refresh_pool

from .assessment_factories import make_assessment, respondents_with_answers, version_with
from .conftest import access_for, make_cast


@pytest.fixture
def version(db):
    return version_with(6)


@pytest.fixture
def acme_round(world, version):
    """Acme's closed round, two respondents."""
    assessment = make_assessment(world, version=version)
    respondents_with_answers(assessment, 3)  # anonymous: fewer show no result
    return assessment_services.assessment_close(
        by=access_for(world.acme.manager, world.acme.org), assessment=assessment)


def take_part(org, sector=Sector.IT, size=SizeBand.MEDIUM, *, opted_in=True):
    Participation.objects.update_or_create(organisation=org, defaults={
        "opted_in": opted_in, "sector": sector, "size_band": size})


def peer(consultancy, name, model, index, *, sector=Sector.IT, size=SizeBand.MEDIUM,
         levels=None, dimensions=None, opted_in=True):
    """A client of ``consultancy`` with one pool entry (as the refresh task writes it)."""
    client = Organisation.objects.create(name=name, slug=name.lower().replace(" ", "-"),
                                         parent=consultancy)
    take_part(client, sector, size, opted_in=opted_in)
    PoolEntry.objects.create(consultancy=consultancy, organisation=client, model=model,
                             levels=levels or 5, sector=sector, size_band=size, index=index,
                             dimensions=dimensions or {}, rounds=1)
    return client


@pytest.fixture
def benchmark_on(world):
    Programme.objects.create(consultancy=world.northwind.org, enabled=True)
    take_part(world.acme.org)
    return world.northwind.org


def compare(assessment, **filters):
    return pool.comparison(assessment, assessment_results(assessment), **filters)


def test_a_pool_of_fewer_than_five_other_clients_is_never_shown(world, acme_round,
                                                               benchmark_on):
    model = acme_round.model_version.model
    levels = assessment_results(acme_round).levels
    for i in range(4):
        peer(benchmark_on, f"Peer {i}", model, 1.5 + i / 2, levels=levels)
    hidden = compare(acme_round)
    assert isinstance(hidden, pool.Hidden) and hidden.n == 4 and hidden.needed == 5
    peer(benchmark_on, "Peer 4", model, 3.4, levels=levels)
    shown = compare(acme_round)
    assert isinstance(shown, pool.Comparison) and shown.n == 5


def test_the_minimum_can_be_raised_but_never_lowered_below_five(settings):
    settings.BENCHMARK_MIN_ORGANISATIONS = 2
    assert pool.minimum() == 5
    settings.BENCHMARK_MIN_ORGANISATIONS = 8
    assert pool.minimum() == 8


def test_a_sector_or_size_with_too_few_clients_is_hidden_like_a_small_pool(
        world, acme_round, benchmark_on):
    model = acme_round.model_version.model
    levels = assessment_results(acme_round).levels
    for i in range(6):
        peer(benchmark_on, f"Peer {i}", model, 2.0 + i / 4, levels=levels,
             sector=Sector.RETAIL if i == 0 else Sector.IT,
             size=SizeBand.SMALL if i < 5 else SizeBand.LARGE)
    assert isinstance(compare(acme_round), pool.Comparison)
    # One retailer: a sector of a single client would show its result.
    assert isinstance(compare(acme_round, sector=Sector.RETAIL), pool.Hidden)
    assert isinstance(compare(acme_round, size_band=SizeBand.LARGE), pool.Hidden)
    assert compare(acme_round, size_band=SizeBand.SMALL).n == 5


def test_opting_out_removes_a_client_at_once_and_hides_a_pool_that_drops_below_five(
        world, acme_round, benchmark_on):
    model = acme_round.model_version.model
    levels = assessment_results(acme_round).levels
    peers = [peer(benchmark_on, f"Peer {i}", model, 2.0 + i / 4, levels=levels)
             for i in range(5)]
    owner = make_cast(peers[0], departments=0).owner
    assert isinstance(compare(acme_round), pool.Comparison)
    services.set_participation(by=access_for(owner, peers[0]), opted_in=False,
                               sector=Sector.IT, size_band=SizeBand.MEDIUM)
    assert not PoolEntry.objects.filter(organisation=peers[0]).exists()
    assert isinstance(compare(acme_round), pool.Hidden)


def test_only_median_and_quartiles_are_shown_never_the_lowest_or_highest(
        world, acme_round, benchmark_on, client_for):
    model = acme_round.model_version.model
    levels = assessment_results(acme_round).levels
    values = [1.13, 2.27, 2.61, 3.04, 4.86]
    for i, value in enumerate(values):
        peer(benchmark_on, f"Peer {i}", model, value, levels=levels)
    comparison = compare(acme_round)
    assert (comparison.overall.q1, comparison.overall.median, comparison.overall.q3) == \
        (2.3, 2.6, 3.0)
    page = client_for(world.acme.viewer).get(
        f"/o/acme/reports/assessments/{acme_round.public_id}/").content.decode()
    panel = page[page.index('id="benchmark"'):]
    panel = panel[:panel.index("</section>")]
    assert "2.6" in panel
    for extreme in ("1.1", "1.13", "4.9", "4.86"):
        assert extreme not in panel


def test_each_client_counts_once_whatever_its_number_of_departments(world, version,
                                                                    benchmark_on):
    """Globex has two departments with closed rounds: one pool entry, their mean."""
    take_part(world.globex.org)
    access = access_for(world.globex.manager, world.globex.org)
    rounds = []
    for department, seed in ((0, 0), (1, 3)):
        assessment = make_assessment(world, version=version, org="globex",
                                     department=department, name=f"Round {department}")
        respondents_with_answers(assessment, 3, seed=seed)  # anonymous: three at least
        rounds.append(assessment_services.assessment_close(by=access, assessment=assessment))
    assert services.refresh_organisation(world.globex.org) == 1
    entry = PoolEntry.objects.get(organisation=world.globex.org)
    indices = [assessment_results(a).overall.index for a in rounds]
    assert entry.rounds == 2
    assert entry.index == pytest.approx(sum(indices) / 2)


def test_clients_of_another_consultancy_never_enter_or_see_this_pool(world, acme_round,
                                                                    benchmark_on):
    model = acme_round.model_version.model
    levels = assessment_results(acme_round).levels
    other = Organisation.objects.create(name="Contoso Advisory", slug="contoso",
                                        kind=Organisation.Kind.CONSULTANCY)
    Programme.objects.create(consultancy=other, enabled=True)
    for i in range(6):
        peer(other, f"Stranger {i}", model, 2.0, levels=levels)
    # An entry that claims Northwind as its consultancy but belongs to Contoso's client.
    stray = Organisation.objects.get(slug="stranger-0")
    PoolEntry.objects.filter(organisation=stray).update(consultancy=benchmark_on)
    for i in range(4):
        peer(benchmark_on, f"Peer {i}", model, 2.5, levels=levels)
    hidden = compare(acme_round)
    assert isinstance(hidden, pool.Hidden) and hidden.n == 4


def test_only_clients_that_take_part_see_the_pool_and_only_while_it_runs(
        world, acme_round, benchmark_on):
    model = acme_round.model_version.model
    levels = assessment_results(acme_round).levels
    for i in range(5):
        peer(benchmark_on, f"Peer {i}", model, 2.5, levels=levels)
    assert compare(acme_round) is not None
    take_part(world.acme.org, opted_in=False)
    assert compare(acme_round) is None
    take_part(world.acme.org)
    services.set_programme(by=access_for(world.northwind.owner, benchmark_on), enabled=False)
    assert compare(acme_round) is None
    assert not PoolEntry.objects.filter(consultancy=benchmark_on).exists()


def test_the_consultancy_cannot_consent_for_its_client(world, benchmark_on):
    from organisations.access import organisation_access

    via_consultancy = organisation_access(world.northwind.owner, "acme")
    assert via_consultancy.via_consultancy
    with pytest.raises(PermissionDenied):
        services.set_participation(by=via_consultancy, opted_in=True, sector=Sector.IT,
                                   size_band=SizeBand.SMALL)


@pytest.mark.parametrize("role", ["consultant", "manager", "viewer"])
def test_only_the_clients_owner_decides(world, client_for, role):
    response = client_for(world.acme.member(role)).post(
        "/o/acme/benchmark/", {"opted_in": "on", "sector": "it", "size_band": "small"})
    assert response.status_code == 403
    assert not Participation.objects.exists()


def test_the_owner_opts_in_on_the_page_and_the_audit_trail_says_so(world, client_for,
                                                                   benchmark_on):
    Participation.objects.all().delete()
    owner = client_for(world.acme.owner)
    response = owner.post("/o/acme/benchmark/", {"opted_in": "on", "sector": "finance",
                                                  "size_band": "large"})
    assert response.status_code == 302
    participation = Participation.objects.get(organisation=world.acme.org)
    assert participation.opted_in and participation.sector == "finance"
    assert AuditEvent.objects.filter(organisation=world.acme.org,
                                     action="benchmark.opted_in").count() == 1
    bad = owner.post("/o/acme/benchmark/", {"opted_in": "on", "sector": "mars",
                                             "size_band": "large"})
    assert bad.status_code == 400
    participation.refresh_from_db()
    assert participation.sector == "finance"


def test_closing_a_round_refreshes_the_pool_through_the_task(world, version, benchmark_on,
                                                             django_capture_on_commit_callbacks):
    from maturity_site.celery import app

    app.conf.task_always_eager = True
    try:
        assessment = make_assessment(world, version=version)
        respondents_with_answers(assessment, 3)  # anonymous: fewer show no result
        with django_capture_on_commit_callbacks(execute=True):
            assessment_services.assessment_close(
                by=access_for(world.acme.manager, world.acme.org), assessment=assessment)
        entry = PoolEntry.objects.get(organisation=world.acme.org)
        assert entry.index == pytest.approx(assessment_results(assessment).overall.index)
        with django_capture_on_commit_callbacks(execute=True):
            assessment_services.assessment_reopen(
                by=access_for(world.acme.owner, world.acme.org), assessment=assessment)
        assert not PoolEntry.objects.filter(organisation=world.acme.org).exists()
    finally:
        app.conf.task_always_eager = False


def test_the_refresh_task_takes_a_client_out_that_no_longer_takes_part(world, acme_round,
                                                                       benchmark_on):
    refresh_pool.apply(args=[[world.acme.org.pk]])
    assert PoolEntry.objects.filter(organisation=world.acme.org).count() == 1
    Participation.objects.filter(organisation=world.acme.org).update(opted_in=False)
    refresh_pool.apply(args=[[world.acme.org.pk]])
    assert not PoolEntry.objects.filter(organisation=world.acme.org).exists()


def test_the_demo_shows_acme_a_benchmark_without_the_client_that_opted_out(db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    taking_part = Participation.objects.filter(opted_in=True)
    assert taking_part.count() >= 8
    assert Participation.objects.filter(opted_in=False, organisation__slug="vandelay").exists()
    assert not PoolEntry.objects.filter(organisation__slug="vandelay").exists()
    acme_round = (Organisation.objects.get(slug="acme").assessments
                  .filter(status="closed", model_version__model__slug="topdesk-semm")
                  .order_by("-closed_at").first())
    comparison = compare(acme_round)
    assert isinstance(comparison, pool.Comparison) and comparison.n == 6
