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
    name: Text = Field("", max_length=200)
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
