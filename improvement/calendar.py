"""The action plan's due dates as an iCalendar feed (RFC 5545), written by ``icalendar``."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Action


def feed(organisation, actions: list[Action]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Maturity Desk//Action plan//EN")  # i18n: ignore
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Action plan · %(organisation)s")
                 % {"organisation": organisation.name})
    stamp = timezone.now()
    for action in actions:
        if action.due_date is None:
            continue
        event = Event()
        event.add("uid", f"{action.public_id}@maturity-desk")  # i18n: ignore
        event.add("dtstamp", stamp)
        event.add("last-modified", action.updated_at)
        event.add("dtstart", action.due_date)
        event.add("dtend", action.due_date + timedelta(days=1))
        event.add("summary", f"{action.title} · {action.department.name}")
        lines = [f"{_('Status')}: {action.get_status_display()}"]
        if action.owner_label:
            lines.append(f"{_('Owner')}: {action.owner_label}")
        if action.done_when:
            lines.append(f"{_('Done when')}: {action.done_when}")
        event.add("description", "\n".join(lines))
        event.add("url", settings.SITE_URL + reverse("improvement:detail", kwargs={
            "org_slug": organisation.slug, "action_id": action.public_id}))
        dropped = action.status == Action.Status.DROPPED
        event.add("status", "CANCELLED" if dropped else "CONFIRMED")  # i18n: ignore
        event.add("transp", "TRANSPARENT")  # i18n: ignore
        calendar.add_component(event)
    return calendar.to_ical()
