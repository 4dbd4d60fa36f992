"""What the API reads and writes, as typed schemas (they make the OpenAPI document).

Ids are the objects' stable public UUIDs (``id``), never database keys; dates and
times are ISO 8601 (times in UTC). Input schemas forbid unknown fields, so a typo is a
400 naming the field rather than a silent no-op.
"""


from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints

Language = Literal[tuple(code for code, _name in settings.LANGUAGES)]  # type: ignore[valid-type]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; Django's form fields refuse it the same way.
    if "\x00" in value:
        raise ValueError("Null characters are not allowed.")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
# A name: not blank once stripped.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                 AfterValidator(_no_nul)]


# ------------------------------------------------------------------ organisations


class OrganisationOut(Schema):
    id: UUID
    slug: str
    name: str
    kind: Literal["consultancy", "organisation"]
    consultancy: str | None = Field(None, description="The slug of its consultancy, if any.")
    role: str = Field(description="The role this token acts with here (its scope, capped by "
                                  "its creator's role).")
    scope: Literal["read", "write"]


class DepartmentOut(Schema):
    id: UUID
    name: str
    description: str
    created_at: datetime


# ------------------------------------------------------------------------- models


class VersionRef(Schema):
    id: UUID
    number: int
    status: Literal["draft", "published", "retired"]
    published_at: datetime | None


class ModelOut(Schema):
    id: UUID
    slug: str
    name: str
    owner: Literal["shipped", "own", "consultancy"]
    languages: list[str]
    versions: list[VersionRef]


class LevelOut(Schema):
    number: int
    name: str
    description: str


class DimensionOut(Schema):
    key: str
    name: str
    description: str


class AxisOut(Schema):
    key: str
    name: str
    low: str
    high: str


class VersionOut(Schema):
    id: UUID
    model: str = Field(description="The model's slug.")
    model_id: UUID
    number: int
    status: Literal["draft", "published", "retired"]
    name: str
    languages: list[str]
    default_language: str
    threshold: float
    overall_rule: Literal["aggregate", "weakest_dimension"]
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    levels: list[LevelOut]
    dimensions: list[DimensionOut]
    axes: list[AxisOut]
    questions: int = Field(description="The number of statements.")


# ------------------------------------------------------------------------- rounds


class RoundDepartment(Schema):
    id: UUID
    name: str


class RoundModel(Schema):
    slug: str
    version: int
    version_id: UUID


class RespondentCounts(Schema):
    total: int = Field(description="Invited (a link withdrawn before submitting does not "
                                   "count).")
    submitted: int
    in_progress: int
    not_started: int


class RoundOut(Schema):
    id: UUID
    name: str
    department: RoundDepartment
    model: RoundModel
    status: Literal["draft", "open", "closed", "cancelled"]
    anonymity: Literal["anonymous", "named"]
    due_date: date | None
    target_level: int | None = Field(description="Null: one above the current level.")
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None


class RoundDetail(RoundOut):
    respondents: RespondentCounts


class RoundIn(Input):
    department: UUID
    model_version: UUID = Field(description="The id of a published version "
                                            "(GET …/models).")
    name: Name
    due_date: date | None = None
    target_level: int | None = Field(None, ge=1)
    anonymity: Literal["anonymous", "named"] = "anonymous"


class RespondentIn(Input):
    email: Text = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    name: Text = Field("", max_length=150)
    language: Language = "en"


class RespondentOut(Schema):
    id: UUID
    email: str


# ------------------------------------------------------------------------ results


class CellOut(Schema):
    level: int
    name: str
    state: str
    fulfilment: float | None
    percent: int | None
    met: bool
    questions: int
    valued: int


class StepOut(Schema):
    question: str
    dimension_key: str
    dimension: str
    level: int
    statement: str
    recommendation: str
    unknown: bool
    value: float | None
    percent: int | None


class WhyOut(Schema):
    level: int
    level_name: str
    fulfilment: float | None
    percent: int | None
    statements: list[str]
    more: int


class DimensionResultOut(Schema):
    key: str
    name: str
    description: str
    level: int
    level_name: str
    index: float
    percent: int
    target_percent: int
    below_target: bool
    cells: list[CellOut]
    steps: list[StepOut]
    why: WhyOut | None


class AxisResultOut(Schema):
    key: str
    name: str
    low: str
    high: str
    position: float | None
    percent: int | None


class DisagreementOut(Schema):
    question: str
    statement: str
    dimension: str
    spread: float
    value: float | None
    n: int


class ResultsOut(Schema):
    round: UUID
    counts_in_results: bool = Field(description="Open and closed rounds count in trends "
                                                "and reports; drafts and cancelled ones "
                                                "do not.")
    respondents: RespondentCounts
    level: int
    level_name: str
    index: float
    top: int
    threshold: float
    target: int
    target_name: str
    target_is_default: bool
    completeness: float
    completeness_percent: int
    dimensions: list[DimensionResultOut]
    axes: list[AxisResultOut]
    next_steps: list[StepOut]
    disagreements: list[DisagreementOut]


# ------------------------------------------------------------------------ reports


class ReportIn(Input):
    round: UUID | None = Field(None, description="The round to report on; empty: the "
                                                 "organisation's report.")
    language: Language | None = Field(None, description="Default: the request's "
                                                        "Accept-Language, else English.")
    variant: Literal["full", "summary"] = Field(
        "full", description="full: the whole report; summary: its one-page executive "
                            "summary.")


class ReportOut(Schema):
    id: UUID
    kind: Literal["assessment", "organisation"]
    variant: Literal["full", "summary"]
    round: UUID | None
    language: str
    status: Literal["queued", "rendering", "ready", "failed"]
    error: str
    created_at: datetime
    updated_at: datetime
    download: str | None = Field(description="The PDF's URL once ready.")


# ------------------------------------------------------------------------ actions


class ActionRound(Schema):
    id: UUID
    name: str


class ActionOwner(Schema):
    name: str
    email: str
    member: bool = Field(description="A member of the organisation (else someone without "
                                     "an account, by name and address).")


class ActionOut(Schema):
    id: UUID
    title: str
    department: RoundDepartment
    round: ActionRound | None = Field(description="The round whose result it answers "
                                                  "(null: planned from a statement alone).")
    model: RoundModel | None = Field(description="The version its statements belong to.")
    statements: list[str] = Field(description="Keys of the statements it addresses.")
    owner: ActionOwner | None = Field(description="Null: unassigned.")
    due_date: date | None
    done_when: str
    status: Literal["planned", "in_progress", "done", "dropped"]
    overdue: bool
    created_at: datetime
    updated_at: datetime


class StatementOut(Schema):
    key: str
    statement: str


class ActionNoteOut(Schema):
    at: datetime
    author: str
    status: Literal["planned", "in_progress", "done", "dropped", ""] = Field(
        description="The status it changed to; empty for a note alone.")
    text: str


class ActionDetail(ActionOut):
    statement_texts: list[StatementOut] = Field(
        description="The statements addressed, in the request's language.")
    notes: list[ActionNoteOut] = Field(description="Newest first.")


class OwnerIn(Input):
    email: Text = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$",
                        description="A member's address makes the member the owner; "
                                    "anyone else's needs a name.")
    name: Text = Field("", max_length=150)


class ActionIn(Input):
    department: UUID
    round: UUID | None = Field(None, description="A round of the department: the statements "
                                                 "are of its model version.")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=300), AfterValidator(_no_nul)]
    statements: list[Text] = Field([], max_length=200)
    owner: OwnerIn | None = None
    due_date: date | None = None
    done_when: Text = Field("", max_length=5000)


class ProgressIn(Input):
    status: Literal["planned", "in_progress", "done", "dropped"] | None = Field(
        None, description="A new status (a dated note records the change).")
    note: Text = Field("", max_length=5000)
