"""Departments page: list, add, rename, remove (with confirmation), audited."""

from __future__ import annotations

from organisations.models import AuditEvent, Department
from tests.conftest import signed_in


def test_it_lists_the_organisations_departments_only(world):
    page = signed_in(world.acme.viewer).get("/o/acme/departments/").content.decode()
    assert "Acme dept 1" in page and "Acme dept 2" in page and "Globex" not in page
    assert "/departments/new/" not in page  # a viewer gets no add button


def test_it_shows_an_empty_state(world):
    page = signed_in(world.northwind.owner).get("/o/northwind/departments/").content.decode()
    assert "No departments yet" in page and "Add the first department" in page


def test_it_adds_a_department(world):
    response = signed_in(world.acme.consultant).post(
        "/o/acme/departments/new/", {"name": "Facilities", "description": "Buildings"})
    assert response.status_code == 302
    department = Department.objects.get(organisation=world.acme.org, name="Facilities")
    assert department.description == "Buildings"
    assert AuditEvent.objects.filter(organisation=world.acme.org, action="department.created",
                                     target="Facilities").exists()


def test_it_refuses_a_duplicate_name_with_a_clear_error(world):
    response = signed_in(world.acme.owner).post("/o/acme/departments/new/",
                                                {"name": "acme DEPT 1"})
    assert response.status_code == 200
    assert "already a department" in str(response.context["form"].errors["name"])
    # Another organisation may use the same name.
    response = signed_in(world.globex.owner).post("/o/globex/departments/new/",
                                                  {"name": "Acme dept 1"})
    assert response.status_code == 302


def test_it_renames_a_department(world):
    department = world.acme.departments[0]
    client = signed_in(world.acme.owner)
    url = f"/o/acme/departments/{department.public_id}/edit/"
    assert client.get(url).context["form"]["name"].value() == "Acme dept 1"
    response = client.post(url, {"name": "IT Service Desk", "description": ""})
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.name == "IT Service Desk"
    event = AuditEvent.objects.get(action="department.updated")
    assert event.data["from"] == "Acme dept 1" and event.data["to"] == "IT Service Desk"


def test_it_removes_a_department_after_confirmation(world):
    department = world.acme.departments[0]
    client = signed_in(world.acme.owner)
    url = f"/o/acme/departments/{department.public_id}/remove/"
    assert "cannot be undone" in client.get(url).content.decode()
    assert Department.objects.filter(pk=department.pk).exists()
    assert client.post(url)["Location"] == "/o/acme/departments/"
    assert not Department.objects.filter(pk=department.pk).exists()
    assert AuditEvent.objects.filter(action="department.deleted", target="Acme dept 1").exists()


def test_it_shows_a_department_page(world):
    department = world.acme.departments[1]
    page = signed_in(world.acme.manager).get(f"/o/acme/departments/{department.public_id}/")
    assert page.status_code == 200 and "Acme dept 2" in page.content.decode()


def test_it_treats_another_organisations_department_as_missing(world):
    globex_department = world.globex.departments[0]
    client = signed_in(world.acme.owner)
    for suffix in ("", "edit/", "remove/"):
        url = f"/o/acme/departments/{globex_department.public_id}/{suffix}"
        assert client.get(url).status_code == 404
    assert client.post(f"/o/acme/departments/{globex_department.public_id}/remove/"
                       ).status_code == 404
    assert Department.objects.filter(pk=globex_department.pk).exists()
