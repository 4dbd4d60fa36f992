"""The action plan as CSV and XLSX (every cell through maturity_site/spreadsheets.py),
and as an iCalendar feed of due dates on a per-user secret link: parsed back with
``icalendar``; a wrong or revoked token, or a user who left, gets a 404."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from improvement.models import Action, CalendarFeed
from organisations import services as org_services
from organisations.models import Membership
from tests.conftest import access_for, signed_in
from tests.improvement_factories import make_action


def _plan(world):
    today = timezone.localdate()
    make_action(world, title="=HYPERLINK(\"http://evil.test\")", owner_name="Kim",
                owner_email="kim@example.test", due_date=today + timedelta(days=10),
                done_when="Done; -2+3")
    make_action(world, title="Catalogue", owner=str(world.acme.manager.pk),
                due_date=today + timedelta(days=3), department=1)
    make_action(world, title="No date")


def test_the_csv_export_neutralises_formulas_and_follows_the_filter(world):
    _plan(world)
    response = signed_in(world.acme.viewer).get("/o/acme/actions/export.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0][:3] == ["Department", "Title", "Status"]
    titles = {row[1] for row in rows[1:]}
    assert titles == {"'=HYPERLINK(\"http://evil.test\")", "Catalogue", "No date"}
    assert any(row[7] == "Done; '-2+3" for row in rows[1:])
    filtered = signed_in(world.acme.viewer).get(
        f"/o/acme/actions/export.csv?department={world.acme.departments[1].public_id}")
    assert [r[1] for r in csv.reader(io.StringIO(filtered.content.decode().lstrip("\ufeff")))
            ][1:] == ["Catalogue"]


def test_the_xlsx_export_has_no_formula(world):
    _plan(world)
    response = signed_in(world.acme.manager).get("/o/acme/actions/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
    assert "Catalogue" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def _feed_url(client) -> str:
    page = client.post("/o/acme/actions/calendar/").content.decode()
    return re.search(r'value="(http://testserver/calendar/[^"]+\.ics)"', page).group(1)


def test_the_calendar_feed_parses_and_holds_the_due_dates(world, client):
    _plan(world)
    Action.objects.create(organisation=world.globex.org, department=world.globex.departments[0],
                          title="Globex's", due_date=timezone.localdate())
    owner = signed_in(world.acme.viewer)
    url = _feed_url(owner)
    response = client.get(url.removeprefix("http://testserver"))  # no session: a calendar app
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"=HYPERLINK(\"http://evil.test\") · Acme dept 1",
                           "Catalogue · Acme dept 2"}
    catalogue = events["Catalogue · Acme dept 2"]
    assert catalogue.decoded("dtstart") == timezone.localdate() + timedelta(days=3)
    assert "Acme manager" in str(catalogue["description"])
    action = Action.objects.get(title="Catalogue")
    assert str(catalogue["uid"]) == f"{action.public_id}@maturity-desk"
    assert CalendarFeed.objects.get().last_read_at is not None


def test_a_wrong_or_revoked_calendar_token_is_a_404(world, client):
    owner = signed_in(world.acme.manager)
    url = _feed_url(owner).removeprefix("http://testserver")
    assert client.get(url).status_code == 200
    assert client.get(url.replace(".ics", "x.ics")).status_code == 404
    assert client.get("/calendar/.ics").status_code == 404
    new_url = _feed_url(owner).removeprefix("http://testserver")  # a new link replaces it
    assert client.get(url).status_code == 404
    assert client.get(new_url).status_code == 200
    assert owner.post("/o/acme/actions/calendar/revoke/").status_code == 302
    assert client.get(new_url).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_the_feed_stops_when_its_user_leaves_the_organisation(world, client):
    url = _feed_url(signed_in(world.acme.manager)).removeprefix("http://testserver")
    membership = Membership.objects.get(user=world.acme.manager, organisation=world.acme.org)
    org_services.membership_remove(by=access_for(world.acme.owner, world.acme.org),
                                   membership=membership)
    assert client.get(url).status_code == 404


def test_the_token_is_stored_only_as_its_hash(world):
    url = _feed_url(signed_in(world.acme.manager))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    assert token not in feed.token_hash and len(feed.token_hash) == 64
