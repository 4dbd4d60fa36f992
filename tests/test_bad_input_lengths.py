"""Every text a form or an API body takes fits where it is stored.

A form field longer than its model column is refused by PostgreSQL with a 500 (and
silently stored on SQLite, where it then overflows the pages that show it). The test
walks every form class of the project and every API input schema, and each of their
text fields must say where its value goes (``FORM_TEXTS``, ``API_TEXTS``): a character
column, or a maturity model's text (TEXT_MAX_LENGTHS), whose length the field must not
exceed and whose length + 1 the field must refuse; or somewhere without a length limit,
with the reason. A new text field is a failure here until it is listed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

import api.resources  # noqa: F401  (the resource modules define the API's inputs)
from api.models import ApiToken
from api.schemas import Input
from assessments.models import Assessment, Response
from models_catalog.models import TEXT_MAX_LENGTHS, ModelVersion
from organisations.models import Department, Invitation
from sso.services import clean_domain
from tests.api_helpers import token_client
from tests.assessment_factories import make_assessment
from tests.conftest import signed_in
from tests.fuzzing import assert_rejected, assert_unchanged, shown_errors, snapshot

PROJECT_APPS = ("organisations", "models_catalog", "assessments", "peers", "reports",
                "improvement", "api", "sso")


@dataclass(frozen=True)
class Column:
    """A character column ("app_label.Model.field"); ``then``: what the service does to
    the form's value before storing it (it may refuse it there)."""

    path: str
    then: Callable[[str], str] | None = None

    @property
    def field(self) -> models.Field:
        app_label, model, name = self.path.split(".")
        return apps.get_model(app_label, model)._meta.get_field(name)


@dataclass(frozen=True)
class ModelText:
    """A text of a maturity model, per language, in a version's JSON texts: at most
    TEXT_MAX_LENGTHS[field], which the services and the document check also enforce."""

    field: str


@dataclass(frozen=True)
class Elsewhere:
    """Not stored in a character column: why."""

    why: str


PASSWORD = Elsewhere("a password: only its hash is stored")
SIGN_IN = Elsewhere("looked up, never stored")

FORM_TEXTS: dict[str, Column | ModelText | Elsewhere] = {
    # organisations
    "EmailAuthenticationForm.username": SIGN_IN,
    "EmailAuthenticationForm.password": PASSWORD,
    "LocalizedPasswordResetForm.email": SIGN_IN,
    "SignupForm.full_name": Column("organisations.User.full_name"),
    "SignupForm.email": Column("organisations.User.email"),
    "SignupForm.password": PASSWORD,
    "SignupForm.organisation_name": Column("organisations.Organisation.name"),
    "SignupForm.organisation_slug": Column("organisations.Organisation.slug"),
    "ProfileForm.full_name": Column("organisations.User.full_name"),
    "InvitationSignupForm.email": Elsewhere("disabled: the invitation's address is used"),
    "InvitationSignupForm.full_name": Column("organisations.User.full_name"),
    "InvitationSignupForm.password": PASSWORD,
    "ClientForm.name": Column("organisations.Organisation.name"),
    "ClientForm.slug": Column("organisations.Organisation.slug"),
    "DepartmentForm.name": Column("organisations.Department.name"),
    "DepartmentForm.description": Elsewhere("a TextField"),
    "InvitationForm.email": Column("organisations.Invitation.email"),
    "BrandingForm.name": Column("organisations.Organisation.brand_name"),
    "BrandingForm.colour": Column("organisations.Organisation.brand_colour"),
    "BrandingForm.footer": Column("organisations.Organisation.brand_footer"),
    "UserCreationAdminForm.email": Column("organisations.User.email"),
    "UserCreationAdminForm.password1": PASSWORD,
    "UserCreationAdminForm.password2": PASSWORD,
    "UserChangeAdminForm.email": Column("organisations.User.email"),
    "UserChangeAdminForm.full_name": Column("organisations.User.full_name"),
    # models_catalog: the keys are columns, the texts go into a version's JSON texts
    "KeyedForm.key": Column("models_catalog.Dimension.key"),
    "DimensionForm.key": Column("models_catalog.Dimension.key"),
    "AxisForm.key": Column("models_catalog.Axis.key"),
    "OptionForm.key": Column("models_catalog.ScaleOption.key"),
    "QuestionForm.key": Column("models_catalog.Question.key"),
    "CopyForm.slug": Column("models_catalog.MaturityModel.slug"),
    "CopyForm.name": ModelText("name"),
    **{f"{form}.{name}_{code}": ModelText(name)
       for form, names in (("MetadataForm", ("name", "description", "source", "notes")),
                           ("LevelForm", ("name", "description")),
                           ("DimensionForm", ("name", "description")),
                           ("AxisForm", ("name", "low_label", "high_label")),
                           ("OptionForm", ("label",)),
                           ("QuestionForm", ("statement", "help", "source",
                                             "recommendation")))
       for name in names for code in ("en", "sv")},
    # assessments
    "AssessmentForm.name": Column("assessments.Assessment.name"),
    "AssessmentEditForm.name": Column("assessments.Assessment.name"),
    "NextRoundForm.name": Column("assessments.Assessment.name"),
    "InviteForm.email": Column("assessments.Response.email"),
    "InviteForm.name": Column("assessments.Response.name"),
    "InviteForm.group": Column("assessments.Response.group"),
    "GroupsForm.group-*": Column("assessments.Response.group"),
    "SharedLinkForm.label": Column("assessments.SharedLink.label"),
    "SharedLinkForm.group": Column("assessments.SharedLink.group"),
    "MembersForm.group": Column("assessments.Response.group"),
    "OfflineUploadForm.new_name": Column("assessments.Response.name"),
    # improvement
    "ActionForm.title": Column("improvement.Action.title"),
    "ActionForm.owner_name": Column("improvement.Action.owner_name"),
    "ActionForm.owner_email": Column("improvement.Action.owner_email"),
    "ActionForm.done_when": Elsewhere("a TextField"),
    "ProgressForm.note": Elsewhere("a TextField (ActionNote.text)"),
    "WebhookForm.url": Column("improvement.Webhook.url"),
    # api
    "TokenForm.name": Column("api.ApiToken.name"),
    # sso
    "ProviderForm.issuer": Column("sso.IdentityProvider.issuer"),
    "ProviderForm.client_id": Column("sso.IdentityProvider.client_id"),
    "ProviderForm.client_secret": Column("sso.IdentityProvider.client_secret"),
    # Typed as "@Example.COM." and stored normalised, which refuses more than 253.
    "DomainForm.domain": Column("sso.EmailDomain.domain", then=clean_domain),
    "StartForm.email": SIGN_IN,
}

API_TEXTS: dict[str, Column | Elsewhere] = {
    "RoundIn.name": Column("assessments.Assessment.name"),
    "RespondentIn.email": Column("assessments.Response.email"),
    "RespondentIn.name": Column("assessments.Response.name"),
    "OwnerIn.email": Column("improvement.Action.owner_email"),
    "OwnerIn.name": Column("improvement.Action.owner_name"),
    "ActionIn.title": Column("improvement.Action.title"),
    "ActionIn.statements": Elsewhere("keys of the version's statements, checked there"),
    "ActionIn.done_when": Elsewhere("a TextField"),
    "ProgressIn.note": Elsewhere("a TextField (ActionNote.text)"),
}


def _version() -> ModelVersion:
    return ModelVersion(default_language="en", languages=["en", "sv"])


# Forms whose constructor needs arguments: unsaved objects and empty querysets do.
FACTORIES: dict[str, Callable[[type], forms.BaseForm]] = {
    "AssessmentForm": lambda cls: cls(departments=Department.objects.none(),
                                      versions=ModelVersion.objects.none()),
    "AssessmentEditForm": lambda cls: cls(levels=5),
    "NextRoundForm": lambda cls: cls(choices=[("same", "Same")]),
    "GroupsForm": lambda cls: cls(responses=[Response(name="A respondent")]),
    "SharedLinkForm": lambda cls: cls(assessment=Assessment(model_version=_version())),
    "InviteForm": lambda cls: cls(assessment=Assessment(model_version=_version())),
    "MembersForm": lambda cls: cls(members=[]),
    "OfflineUploadForm": lambda cls: cls(responses=[]),
    "InvitationSignupForm": lambda cls: cls(invitation=Invitation(email="a@example.org")),
    "MembershipRoleForm": lambda cls: cls(roles=["owner"]),
    "InvitationForm": lambda cls: cls(roles=["owner"]),
    "ActionForm": lambda cls: cls(owners=[], statements=[("q", "Q")]),
    "UserChangeAdminForm": lambda cls: cls(),
}


def project_forms() -> list[type[forms.BaseForm]]:
    for app in PROJECT_APPS:
        for module in ("forms", "admin"):
            try:
                importlib.import_module(f"{app}.{module}")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.{module}":
                    raise
    found, stack = set(), [forms.BaseForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.split(".")[0] in PROJECT_APPS:
                found.add(sub)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def _instance(cls) -> forms.BaseForm:
    if cls.__name__ in FACTORIES:
        return FACTORIES[cls.__name__](cls)
    for base in cls.__mro__:  # TranslatedForm and its subclasses: a version
        if base.__name__ == "TranslatedForm":
            return cls(version=_version())
    return cls()


def _entry_name(cls, name: str) -> str:
    return f"{cls.__name__}.{name.split('-')[0]}-*" if name.startswith("group-") \
        else f"{cls.__name__}.{name}"


def form_texts() -> list[tuple[str, forms.CharField]]:
    """(``Form.field``, field) for each text field of each project form, as built."""
    found = []
    for cls in project_forms():
        form = _instance(cls)
        for name, field in form.fields.items():
            if isinstance(field, forms.CharField):
                found.append((_entry_name(cls, name), field))
    return found


def too_long(field: forms.Field | None, length: int) -> str:
    """A value of ``length`` characters that is otherwise valid for ``field``."""
    if isinstance(field, (forms.EmailField, models.EmailField)):
        return "a" * (length - len("@example.org")) + "@example.org"
    if isinstance(field, (forms.URLField, models.URLField)):
        return "https://example.org/" + "a" * (length - len("https://example.org/"))
    return "a" * length


def test_it_knows_every_forms_text_field():
    found = {name for name, _field in FORM_FIELDS}
    assert len(project_forms()) > 30
    assert not found - set(FORM_TEXTS), (
        "Which column does each of these fill? Add them to FORM_TEXTS: "
        f"{sorted(found - set(FORM_TEXTS))}")
    assert not set(FORM_TEXTS) - found, f"No such fields: {sorted(set(FORM_TEXTS) - found)}"


FORM_FIELDS = form_texts()


@pytest.mark.parametrize("name, field", FORM_FIELDS, ids=[name for name, _f in FORM_FIELDS])
def test_no_form_field_takes_more_than_its_column(name, field):
    where = FORM_TEXTS[name]
    if isinstance(where, Elsewhere):
        return
    if isinstance(where, ModelText):
        limit, holder = TEXT_MAX_LENGTHS[where.field], f"TEXT_MAX_LENGTHS[{where.field!r}]"
    else:
        column = where.field
        assert isinstance(column, models.CharField) and column.max_length, where.path
        limit, holder = column.max_length, where.path
    if getattr(where, "then", None) is None:
        assert field.max_length is not None and field.max_length <= limit, (
            f"{name} takes {field.max_length} characters; {holder} holds {limit}")
        with pytest.raises(ValidationError) as refused:
            field.clean(too_long(field, limit + 1))
        assert any(str(limit) in message for message in refused.value.messages)
    else:
        with pytest.raises(ValidationError):
            where.then(field.clean(too_long(field, limit + 1)))
    # The longest value the column holds is not refused for its length.
    try:
        value = field.clean(too_long(field, min(limit, field.max_length or limit)))
    except ValidationError as error:
        assert "max_length" not in {e.code for e in error.error_list}, error
    else:
        assert len(value) <= limit


def _string_properties(schema: type[Input]) -> dict[str, dict]:
    """The API input's fields that take text (or lists of text), with their JSON schema."""
    properties = schema.model_json_schema(ref_template="{model}")["properties"]
    found = {}
    for name, spec in properties.items():
        for variant in spec.get("anyOf", [spec]):
            leaf = variant.get("items", variant)
            if leaf.get("type") == "string" and "format" not in leaf and "enum" not in leaf \
                    and "const" not in leaf:
                found[name] = leaf
    return found


def api_inputs() -> list[type[Input]]:
    found, stack = [], [Input]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            found.append(sub)
    return found


def api_texts() -> list[tuple[str, dict]]:
    return [(f"{schema.__name__}.{name}", spec) for schema in api_inputs()
            for name, spec in _string_properties(schema).items()]


def test_it_knows_every_api_text_field():
    found = {name for name, _spec in API_FIELDS}
    assert not found - set(API_TEXTS), (
        f"Which column does each of these fill? Add them to API_TEXTS: "
        f"{sorted(found - set(API_TEXTS))}")
    assert not set(API_TEXTS) - found, f"No such fields: {sorted(set(API_TEXTS) - found)}"


API_FIELDS = api_texts()


@pytest.mark.parametrize("name, spec", API_FIELDS, ids=[name for name, _s in API_FIELDS])
def test_no_api_field_takes_more_than_its_column(name, spec):
    where = API_TEXTS[name]
    if isinstance(where, Elsewhere):
        return
    limit = where.field.max_length
    assert spec.get("maxLength") is not None and spec["maxLength"] <= limit, (
        f"{name} takes {spec.get('maxLength')} characters; {where.path} holds {limit}")


def test_the_walk_sees_inherited_and_built_fields():
    names = {name for name, _field in FORM_FIELDS}
    # Django's own fields of a subclassed form, and fields made in __init__.
    assert {"EmailAuthenticationForm.password", "GroupsForm.group-*",
            "QuestionForm.statement_sv"} <= names


# ------------------------------------------------------------- the pages and the API

LONG_EMAIL = "a" * 300 + "@example.org"  # 312 characters: the tester's


def _refused_for_length(response, before) -> None:
    assert_rejected(response, before)
    assert any("254" in error for error in shown_errors(response)), shown_errors(response)


def test_the_invite_page_refuses_an_over_long_respondent_email(world):
    assessment = make_assessment(world, name="Lengths")
    url = reverse("assessments:invite", kwargs={"org_slug": "acme",
                                                "assessment_id": assessment.public_id})
    client = signed_in(world.acme.manager)
    assert 'maxlength="254"' in client.get(url).content.decode()
    before = snapshot()
    response = client.post(url, {"email": LONG_EMAIL, "language": "en"})
    _refused_for_length(response, before)
    assert not Response.objects.filter(email__startswith="aaaa").exists()


def test_the_member_invitation_page_refuses_an_over_long_email(world):
    client = signed_in(world.acme.owner)
    before = snapshot()
    response = client.post("/o/acme/invitations/new/", {
        "email": LONG_EMAIL, "role": "manager", "language": "en"})
    _refused_for_length(response, before)


def test_sign_up_refuses_an_over_long_email(db, client):
    before = snapshot()
    response = client.post("/accounts/signup/", {
        "full_name": "Long", "email": LONG_EMAIL, "password": "a-long-and-unusual-passphrase",
        "kind": "organisation", "organisation_name": "Long Ltd", "organisation_slug": ""})
    _refused_for_length(response, before)


def test_the_action_form_refuses_an_over_long_owner_email(world):
    client = signed_in(world.acme.manager)
    before = snapshot()
    response = client.post(
        f"/o/acme/actions/new/?department={world.acme.departments[0].public_id}",
        {"title": "Long owner", "owner_name": "Someone", "owner_email": LONG_EMAIL})
    _refused_for_length(response, before)


def test_the_api_refuses_an_over_long_respondent_name(world):
    assessment = make_assessment(world, name="Lengths")
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    # Every call is audited and a token's last use recorded; nothing else is written.
    ignore = ("api_", "organisations_auditevent")
    before = snapshot(ignore=ignore)
    response = client.post(f"/organisations/acme/rounds/{assessment.public_id}/respondents",
                           {"email": "long@example.org", "name": "n" * 151})
    assert response.status_code == 400, response.content
    assert "name" in response.content.decode()
    assert_unchanged(before, ignore=ignore)
