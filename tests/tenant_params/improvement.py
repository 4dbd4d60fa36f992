"""URL kwargs of the action plans' pages (see the package docstring): ``action_id``
names an action of acme's first department, ``webhook_id`` an endpoint of acme.
``department_id`` is the organisations module's."""

from __future__ import annotations

from improvement.models import Action, Webhook


def _action(world):
    if "action" not in world.memo:
        world.memo["action"] = Action.objects.create(
            organisation=world.acme.org, department=world.acme.departments[0],
            title="Isolation action", owner=world.acme.manager)
    return world.memo["action"]


def _webhook(world):
    if "webhook" not in world.memo:
        world.memo["webhook"] = Webhook.objects.create(
            organisation=world.acme.org, url="http://127.0.0.1:9/hook", secret="s" * 64,
            events=list(Webhook.Event.values))
    return world.memo["webhook"]


PARAMS = {
    "action_id": lambda world: _action(world).public_id,
    "webhook_id": lambda world: _webhook(world).public_id,
}
