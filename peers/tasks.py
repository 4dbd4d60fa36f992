from celery import shared_task

from organisations.models import Organisation

from . import services


@shared_task(ignore_result=True)
def refresh_pool(organisation_ids: list[int]) -> None:
    """Recompute the pool entries of these organisations (a round closed or reopened,
    a client opted in, benchmarking was switched on)."""
    for organisation in Organisation.objects.filter(pk__in=organisation_ids):
        services.refresh_organisation(organisation)
