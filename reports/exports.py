"""Results as CSV, XLSX and JSON, per assessment and per organisation.

The tables are "long": one row per overall result, dimension and axis of each round,
so that a spreadsheet can filter and pivot them. The JSON is the scoring contract of
``score_answers`` (``result_as_contract``) with the round it belongs to; a round's
JSON also carries what the result was scored from, in ``score_answers``' input format
(respondents, consensus, target_level: ``assessments.selectors.scoring_document``), so
that ``score_answers`` on the file prints its ``result`` again, and what the consensus
session changed (``session``).

Every cell goes through ``maturity_site.spreadsheets`` (no formula runs, no
character an XLSX file cannot hold).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook

from assessments.models import Assessment
from assessments.selectors import (
    consensus_by_assessment,
    group_summary,
    response_counts,
    results_by_assessment,
    scoring_document,
)
from assessments.session import session_outcome
from maturity_site.spreadsheets import csv_text, xlsx_row
from models_catalog.texts import ModelTexts, model_texts
from organisations.access import OrgAccess
from scoring import (
    ScoreResult,
    result_as_contract,
    rounded,
    rounded_fulfilment,
    rounded_index,
)

from . import selectors


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def _rows(assessment: Assessment, result: ScoreResult, texts: ModelTexts, *, top: int,
          submitted: int, before: ScoreResult | None = None, agreed: int = 0) -> list[list]:
    """The round's rows; with a consensus session (``before``: the result without its
    agreed answers) the overall result before it too, and how many were agreed."""
    base = [assessment.organisation.name, assessment.department.name, assessment.name,
            str(assessment.public_id), texts.slug, texts.version]
    blank_f = [None] * (top - 1)

    def fulfilment(cells) -> list:
        values = [rounded_fulfilment(cells[n], result.threshold) if n in cells else None
                  for n in range(2, top + 1)]
        return values + blank_f[len(values):]

    def overall(scope: str, of: ScoreResult, agreed_cell) -> list:
        level = of.overall.level
        return base + [scope, "", "", level, texts.level_name(level),
                       rounded_index(of.overall.index, level, of.levels), of.target_level,
                       *fulfilment(of.overall.cells), None, rounded(of.completeness),
                       submitted, agreed_cell]

    rows = [overall("overall", result, agreed)]
    if before is not None:
        rows.append(overall("overall_before_session", before, None))
    for d in result.dimensions:
        rows.append(base + ["dimension", d.key, texts.dimension_name(d.key), d.level,
                            texts.level_name(d.level),
                            rounded_index(d.index, d.level, result.levels), None,
                            *fulfilment(d.cells), None, None, None, None])
    for a in result.axes:
        axis = texts.axis(a.key)
        rows.append(base + ["axis", a.key, axis.name if axis else a.key, None, None, None,
                            None, *blank_f, rounded(a.position), None, None, None])
    return rows


def _headers(top: int) -> list[str]:
    return ["organisation", "department", "assessment", "assessment_id", "model", "version",
            "scope", "key", "name", "level", "level_name", "index", "target_level",
            *[f"fulfilment_{n}" for n in range(2, top + 1)], "position", "completeness",
            "respondents", "agreed_in_session", "group", "groups_differ"]


def _table(title: str, rounds: list[Assessment], language: str) -> Table:
    results = results_by_assessment(rounds, language) if rounds else {}
    # Rounds with a consensus session: their result before it, and what was agreed.
    held = [a for a in rounds if a.consensus_updated_at is not None]
    agreed = consensus_by_assessment(held)
    before = results_by_assessment(held, language, consensus=False) if held else {}
    texts: dict[int, ModelTexts] = {}
    for assessment in rounds:
        if assessment.model_version_id not in texts:
            texts[assessment.model_version_id] = model_texts(
                assessment.model_version, language)
    top = max((t.top for t in texts.values()), default=5)
    counts = response_counts([a.pk for a in rounds])
    table = Table(title, _headers(top))
    for assessment in rounds:
        table.rows += [row + [None, None] for row in _rows(
            assessment, results[assessment.pk], texts[assessment.model_version_id], top=top,
            submitted=counts[assessment.pk]["submitted"],
            before=before.get(assessment.pk) if agreed.get(assessment.pk) else None,
            agreed=len(agreed.get(assessment.pk, {})))]
    return table


def _with_groups(table: Table, groups: dict | None) -> Table:
    """A round's table with its respondent groups (``assessments.selectors.group_summary``):
    whether groups differ on each dimension and axis row, and a row per shown group and
    dimension or axis (scope ``group_dimension``, ``group_axis``). Groups that may not be
    shown on their own are not in ``groups``, so never here."""
    if not groups or not groups["compared"]:
        return table
    differ = {("dimension", row["key"]): row["flagged"] for row in groups["dimensions"]}
    differ |= {("axis", row["key"]): row["flagged"] for row in groups["axes"]}
    scope, key = table.headers.index("scope"), table.headers.index("key")
    names = {row["key"]: row["name"] for row in groups["dimensions"] + groups["axes"]}
    width = len(table.headers)
    columns = {name: i for i, name in enumerate(table.headers)}
    rows = []
    for row in table.rows:
        row = list(row)
        row[-1] = differ.get((row[scope], row[key]), row[-1])
        rows.append(row)
    base = rows[0][:columns["scope"]] if rows else []
    for i, group in enumerate(groups["groups"]):
        for kind, items in (("dimension", groups["dimensions"]), ("axis", groups["axes"])):
            for item in items:
                cell = item["groups"][i]
                row = base + [None] * (width - len(base))
                row[columns["scope"]] = f"group_{kind}"
                row[columns["key"]] = item["key"]
                row[columns["name"]] = names[item["key"]]
                if kind == "dimension":
                    row[columns["level"]] = cell["level"]
                    row[columns["index"]] = rounded_index(cell["index"], cell["level"],
                                                          groups["top"])
                else:
                    row[columns["position"]] = rounded(cell["position"])
                row[columns["respondents"]] = group["respondents"]
                row[columns["group"]] = group["name"]
                row[columns["groups_differ"]] = item["flagged"]
                rows.append(row)
    return Table(table.title, table.headers, rows)


def _organisation_results(access: OrgAccess) -> list[selectors.LatestResults]:
    """The organisation's departments' results and, for a consultancy's portfolio
    audience, its clients': an export holds what the organisation report shows."""
    return [selectors.latest_results(selectors.scoped_assessments(access)),
            selectors.latest_results(selectors.client_rounds(access),
                                     own=access.organisation.pk)]


def _organisation_rounds(access: OrgAccess) -> list[Assessment]:
    """Every round that counts (``AssessmentQuerySet.reported``: closed, with a submitted
    response), the organisation's first: the rows of the organisation's export. A round
    still open has no row: its figures are not a result yet (the JSON names it)."""
    return [a for found in _organisation_results(access) for a in found.rounds]


def _sheet_name(language: str) -> str:
    """The worksheet's name, in the reader's language (the column headers are keys)."""
    with translation.override(language):
        return _("Results")


def assessment_table(access: OrgAccess, assessment: Assessment, *, language: str) -> Table:
    return _with_groups(_table(_sheet_name(language), [assessment], language),
                        _groups(assessment, language))


def _groups(assessment: Assessment, language: str) -> dict | None:
    result = results_by_assessment([assessment], language)[assessment.pk]
    with translation.override(language):
        return group_summary(assessment, result,
                             model_texts(assessment.model_version, language), language)


def _groups_contract(groups: dict | None) -> dict | None:
    """The respondent groups in the JSON export: each shown group's dimension indices
    and axis positions (4 decimals, as the result), where groups differ, and how many
    groups are not shown on their own."""
    if groups is None:
        return None
    return {
        "groups": [{
            "name": group["name"], "respondents": group["respondents"],
            "dimensions": [{"key": d["key"], "level": d["groups"][i]["level"],
                            "index": rounded_index(d["groups"][i]["index"],
                                                   d["groups"][i]["level"], groups["top"])}
                           for d in groups["dimensions"]],
            "axes": [{"key": a["key"], "position": rounded(a["groups"][i]["position"])}
                     for a in groups["axes"]],
        } for i, group in enumerate(groups["groups"])],
        "differ": {"dimensions": [d["key"] for d in groups["dimensions"] if d["flagged"]],
                   "axes": [a["key"] for a in groups["axes"] if a["flagged"]]},
        "not_shown_on_their_own": groups["hidden"],
        "minimum_group_size": groups["min_size"],
    }


def organisation_table(access: OrgAccess, *, language: str) -> Table:
    return _table(_sheet_name(language), _organisation_rounds(access), language)


def _contract(assessment: Assessment, result: ScoreResult, texts: ModelTexts) -> dict:
    return {
        "organisation": assessment.organisation.slug,
        "department": assessment.department.name,
        "assessment": {"id": str(assessment.public_id), "name": assessment.name,
                       "status": assessment.status},
        "result": result_as_contract(result, model_slug=texts.slug, version=texts.version,
                                     level_names=texts.level_names()),
    }


def assessment_contract(access: OrgAccess, assessment: Assessment, *, language: str) -> dict:
    result = results_by_assessment([assessment], language)[assessment.pk]
    texts = model_texts(assessment.model_version, language)
    document = {**_contract(assessment, result, texts),
                **scoring_document(access, assessment, language)}
    before, agreed = session_outcome(assessment, language)
    if before is not None:
        document["session"] = {
            "agreed": [{"question": a.question, "option": a.option, "note": a.note,
                        "recorded_by": a.recorded_by,
                        "recorded_at": a.recorded_at.isoformat()} for a in agreed],
            "result_before": result_as_contract(before, model_slug=texts.slug,
                                                version=texts.version,
                                                level_names=texts.level_names()),
        }
    groups = _groups_contract(_groups(assessment, language))
    if groups is not None:
        document["respondent_groups"] = groups
    return document


def organisation_contract(access: OrgAccess, *, language: str) -> dict:
    found = _organisation_results(access)
    rounds = [a for f in found for a in f.rounds]
    results = results_by_assessment(rounds, language) if rounds else {}
    texts: dict[int, ModelTexts] = {}
    items = []
    for assessment in rounds:
        if assessment.model_version_id not in texts:
            texts[assessment.model_version_id] = model_texts(
                assessment.model_version, language)
        items.append(_contract(assessment, results[assessment.pk],
                               texts[assessment.model_version_id]))
    # The rounds still open, as the report names them: how many submitted, no result.
    in_progress = [{
        "organisation": p.assessment.organisation.slug, "department": p.department,
        "assessment": {"id": str(p.assessment.public_id), "name": p.assessment.name,
                       "status": p.assessment.status},
        "submitted": p.submitted, "invited": p.invited,
    } for f in found for p in sorted(f.in_progress.values(),
                                     key=lambda p: (p.client.lower(), p.department.lower()))]
    return {"organisation": access.organisation.slug, "assessments": items,
            "in_progress": in_progress}


def to_csv(table: Table) -> str:
    return csv_text(table.headers, table.rows)


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.title[:31])
    sheet.append(xlsx_row(table.headers))
    for row in table.rows:
        sheet.append(xlsx_row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def file_stem(access: OrgAccess, assessment: Assessment | None) -> str:
    parts = ["maturity-results", access.organisation.slug]
    if assessment is not None:
        parts += [assessment.department.name, assessment.name]
    return slugify("-".join(parts))[:120].strip("-") or "maturity-results"
