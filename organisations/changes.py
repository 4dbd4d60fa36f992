"""An organisation's change stamp: a token that is replaced whenever something shown from
the organisation's data changes, so that a page rendered from that data can be kept in
the cache under it (the organisation's home page, ``organisations.views.home_body``).

Each app declares the models a page of an organisation is rendered from, once, in its
``AppConfig.ready()``::

    changes.track(Department, "organisation_id")
    changes.track(Response, "assessment__organisation_id")

Then every write of such a model replaces the stamps of the organisations it belongs
to: ``save()`` and ``delete()`` through Django's signals, ``QuerySet.update()`` through
:class:`TrackedQuerySet` (the models' manager). ``bulk_create`` is not followed: no
tracked model is written that way outside the demo data (``seed_demo`` replaces every
stamp when it is done).

The new stamp is written when the transaction commits (``transaction.on_commit``): a
reader that took the old stamp before the commit may keep what it read under the old
stamp, which nobody asks for again; a reader that takes the new one reads the committed
data. Writing it after the commit, in its own statement, holds no lock inside the
writer's transaction (no waiting, no deadlock between two writers of one organisation).
The stamp is in the ``ChangeStamp`` table, not the cache, so that every process (web,
worker) sees the same one, also with a per-process cache in development; the tenant
access check reads it with the organisation (``organisations.sql.access_row``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_delete, post_save

# model -> the lookups from it to the ids of the organisations it is shown in
_tracked: dict[type[models.Model], tuple[str, ...]] = {}
_resolvers: dict[type[models.Model], Callable[[models.Model], Iterable[int | None]]] = {}


def changed(*organisation_ids: int | None) -> None:
    """Replace the stamps of these organisations when the current transaction commits
    (at once outside one)."""
    ids = sorted({pk for pk in organisation_ids if pk is not None})
    if ids:
        transaction.on_commit(lambda: replace(ids), robust=True)


def replace(organisation_ids: Iterable[int], *, again: bool = True) -> dict[int, str]:
    """Give these organisations new stamps now; their hex by organisation. An
    organisation deleted in the meantime needs none."""
    from .models import ChangeStamp, Organisation

    present = Organisation.objects.filter(pk__in=list(organisation_ids)).values_list(
        "pk", flat=True)
    stamps = {pk: uuid.uuid4() for pk in sorted(present)}
    if not stamps:
        return {}
    try:
        with transaction.atomic():
            ChangeStamp.objects.bulk_create(
                [ChangeStamp(organisation_id=pk, token=token) for pk, token in stamps.items()],
                update_conflicts=True, unique_fields=["organisation"], update_fields=["token"])
    except IntegrityError:  # deleted since: stamp the others
        if again:
            return replace(stamps, again=False)
        raise
    return {pk: token.hex for pk, token in stamps.items()}


def track(model: type[models.Model], path: str, *also: str,
          organisations: Callable[[models.Model], Iterable[int | None]] | None = None) -> None:
    """Follow the writes of ``model``: ``path`` (and ``also``) are the lookups from it to
    the ids of the organisations it is shown in (for ``QuerySet.update``);
    ``organisations(instance)`` gives the ids a saved or deleted instance changes, by
    default the one ``path`` leads to."""
    _tracked[model] = (path, *also)
    _resolvers[model] = organisations or _by_path(path)
    uid = f"changes-{model._meta.label_lower}"
    post_save.connect(_on_write, sender=model, dispatch_uid=uid + "-save", weak=False)
    post_delete.connect(_on_write, sender=model, dispatch_uid=uid + "-delete", weak=False)


def _by_path(path: str) -> Callable[[models.Model], Iterable[int | None]]:
    if "__" not in path:
        return lambda instance: [getattr(instance, path)]
    relation, rest = path.split("__", 1)

    def through(instance: models.Model) -> list[int | None]:
        field = instance._meta.get_field(relation)
        related = field.get_cached_value(instance, None)
        if related is not None:
            return list(_resolvers.get(type(related), _by_path(rest))(related))
        related_id = getattr(instance, field.attname)
        if related_id is None:
            return []
        return list(field.related_model._default_manager.filter(pk=related_id)
                    .values_list(rest, flat=True))

    return through


def organisation_and_relatives(organisation: models.Model) -> list[int | None]:
    """An organisation's own pages, its consultancy's (which lists its clients) and its
    clients' (which name their consultancy)."""
    ids = [organisation.pk, organisation.parent_id]
    if organisation.pk is not None and getattr(organisation, "is_consultancy", False):
        ids += type(organisation)._default_manager.filter(
            parent_id=organisation.pk).values_list("pk", flat=True)
    return ids


def _on_write(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    changed(*_resolvers[sender](instance))


class TrackedQuerySet(models.QuerySet):
    """A tracked model's queryset: ``update()`` replaces the stamps of the organisations
    of the rows it changes (read before, in one query)."""

    def update(self, **kwargs) -> int:
        paths = _tracked.get(self.model)
        if paths is None:
            return super().update(**kwargs)
        ids = {pk for row in self.values_list(*paths).order_by() for pk in row}
        rows = super().update(**kwargs)
        if rows:
            changed(*ids)
        return rows

    update.alters_data = True
