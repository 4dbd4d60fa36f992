"""Bad input on the organisation pages: new client, department create and rename,
member role change, invitation create.

Hypothesis drives each form with missing, repeated, over-long, NUL-carrying and
otherwise hostile values. Every answer is below 500; a refused form comes back with
its errors on the page and leaves the database exactly as it was.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from organisations.models import Department, Role
from tests.conftest import signed_in
from tests.fuzzing import (
    assert_no_server_error,
    assert_rejected,
    assert_unchanged,
    form,
    fuzz,
    nasty_text,
    plausible_text,
    shown_errors,
    snapshot,
)

slugs = st.one_of(nasty_text, st.from_regex(r"\A[a-z0-9-]{0,70}\Z"), st.just("acme"))


def test_it_refuses_bad_new_clients_and_writes_nothing(world):
    client = signed_in(world.northwind.owner)

    @fuzz(30)
    @given(data=form({"name": st.one_of(nasty_text, plausible_text), "slug": slugs}))
    def check(data):
        before = snapshot()
        response = client.post("/o/northwind/portfolio/new/", data)
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        assert_rejected(response, before)

    check()


def test_it_refuses_bad_departments_and_writes_nothing(world):
    client = signed_in(world.acme.owner)
    taken = world.acme.departments[0].name

    @fuzz(30)
    @given(data=form({"name": st.one_of(nasty_text, plausible_text, st.just(taken),
                                        st.just(taken.upper())),
                      "description": nasty_text}))
    def check(data):
        before = snapshot()
        response = client.post("/o/acme/departments/new/", data)
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        assert_rejected(response, before)

    check()


def test_it_refuses_bad_department_renames_and_writes_nothing(world):
    client = signed_in(world.acme.consultant)
    department, other = world.acme.departments

    @fuzz(30)
    @given(data=form({"name": st.one_of(nasty_text, plausible_text, st.just(other.name)),
                      "description": nasty_text}))
    def check(data):
        before = snapshot()
        response = client.post(f"/o/acme/departments/{department.public_id}/edit/", data)
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        assert_rejected(response, before)

    check()
    assert Department.objects.filter(organisation=world.acme.org).count() == 2


def test_it_refuses_bad_role_changes_and_writes_nothing(world):
    client = signed_in(world.acme.consultant)  # may not make owners
    membership = world.acme.manager.memberships.get(organisation=world.acme.org)
    owner = world.acme.owner.memberships.get(organisation=world.acme.org)

    @fuzz(30)
    @given(data=form({"role": st.one_of(nasty_text, st.sampled_from(
        ["owner", "OWNER", "consultant ", "viewer", "manager"]))}),
        target=st.sampled_from([membership, owner]))
    def check(data, target):
        before = snapshot()
        response = client.post(f"/o/acme/members/{target.public_id}/role/", data)
        assert_no_server_error(response)
        if response.status_code == 302:
            # A refusal from the service comes back as a message on the list.
            page = client.get(response["Location"])
            role = data.get("role")
            role = role[-1] if isinstance(role, list) else role  # the form reads the last
            if role not in ("consultant", "viewer", "manager") or target == owner:
                shown_errors(page)
            return
        if target == owner:
            # The page explains instead of offering the form.
            assert response.status_code == 200
            page = response.content.decode()
            assert "Only an owner can change an owner." in page or "is the last owner" in page
            assert_unchanged(before)
            return
        assert_rejected(response, before)

    check()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_it_refuses_bad_invitations_and_writes_nothing(world, mailoutbox):
    client = signed_in(world.acme.consultant)

    @fuzz(40)
    @given(data=form({
        "email": st.one_of(nasty_text, st.emails(), st.just(world.acme.viewer.email)),
        "role": st.one_of(nasty_text, st.sampled_from(["owner", "viewer", "manager"])),
        "language": st.one_of(nasty_text, st.sampled_from(["en", "sv", "xx"])),
    }))
    def check(data):
        before = snapshot()
        response = client.post("/o/acme/invitations/new/", data)
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        assert_rejected(response, before)

    check()


def test_it_says_what_is_missing_when_a_form_is_posted_empty(world, client):
    """An empty POST used to re-show the blank form without a word (``request.POST or
    None`` leaves the form unbound); now the form says which fields are required."""
    department = world.acme.departments[0]
    membership = world.acme.manager.memberships.get(organisation=world.acme.org)
    owner = signed_in(world.acme.owner)
    pages = [(client, "/accounts/signup/"),
             (signed_in(world.northwind.owner), "/o/northwind/portfolio/new/"),
             (owner, "/o/acme/departments/new/"),
             (owner, f"/o/acme/departments/{department.public_id}/edit/"),
             (owner, f"/o/acme/members/{membership.public_id}/role/"),
             (owner, "/o/acme/invitations/new/")]
    for who, url in pages:
        before = snapshot()
        response = who.post(url, {})
        assert_rejected(response, before)
        assert "This field is required." in response.content.decode(), url
