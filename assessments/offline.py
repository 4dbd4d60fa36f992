"""Answers on paper: a CSV/XLSX answer sheet per model version, its upload as one
respondent's answers, and the export of every answer with its comment.

An upload is checked as a whole first; every problem names its row, and a sheet
with any problem writes nothing. Workbooks are read with ``data_only`` (a formula
cell gives its cached value; nothing is ever evaluated), and every text cell we
write passes ``maturity_site.spreadsheets`` (neutralised formulas, no character an
XLSX file cannot hold).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from maturity_site.spreadsheets import csv_text, restore, xlsx_row
from models_catalog.models import ModelVersion
from models_catalog.snapshot import snapshot
from organisations.access import OrgAccess
from organisations.services import audit
from scoring import DK, NA, RESERVED_OPTIONS

from .anonymity import respondent_labels
from .models import Answer, Assessment, Response
from .services import UNSET, answers_save, clean_answer, response_submit

# The column headers are machine keys, the same in every language: a sheet is read by
# them. The sheet (tab) names are for people and translated; reading never needs them.
COLUMNS = ("question_key", "dimension", "level", "statement", "answer", "comment")
REQUIRED_COLUMNS = ("question_key", "answer")
MAX_ROWS = 5000
# A sheet's columns are read by header; nobody's answer sheet has more than this many.
# (A workbook can declare 16384 columns per row in a few bytes.)
MAX_COLUMNS = 64
# A 2 MiB workbook that unpacks to gigabytes is a zip bomb, not an answer sheet.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# A workbook's cells and shared strings are counted in its XML before openpyxl reads
# it: openpyxl loads every shared string at once, and a 155 KB workbook held 3.5
# million of them (37 s, +290 MB). The widest sheet we write has 12 columns; twice
# that on every allowed row is still an answer sheet.
MAX_CELLS = (MAX_ROWS + 1) * 24
MAX_SHARED_STRINGS = MAX_CELLS
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Writing --------------------------------------------------------------------------------


def _csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return csv_text(header, rows).encode("utf-8")


def _xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]],
          validations: dict[str, tuple[str, list[str]]] | None = None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(xlsx_row(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        count = 0
        for row in rows:
            sheet.append(xlsx_row(row))
            count += 1
        sheet.freeze_panes = "A2"
        for column, width in zip("ABCDEFGHIJKL", (22, 18, 8, 70, 16, 50, 14, 14, 50, 20),
                                 strict=False):
            sheet.column_dimensions[column].width = width
        if validations and title in validations and count:
            column, options = validations[title]
            listed = ",".join(options)
            if len(listed) <= 250:  # Excel's limit for an inline list
                validation = DataValidation(type="list", formula1=f'"{listed}"',
                                            allow_blank=True, showErrorMessage=True)
                validation.add(f"{column}2:{column}{count + 1}")
                sheet.add_data_validation(validation)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass
class SheetContent:
    version: ModelVersion
    rows: list[tuple]
    options: list[tuple[str, str, float]]  # key, label, value


def _sheet_content(version: ModelVersion, language: str | None) -> SheetContent:
    content = snapshot(version)
    texts = content.texts(language)
    labels = texts.option_labels()
    rows = []
    for dimension in content.dimensions:
        for q in content.by_dimension.get(dimension.pk, []):
            rows.append((q.key, dimension.key, q.level, texts.question(q.key).statement,
                         "", ""))
    options = [(o.key, labels[o.key], o.value) for o in content.options]
    options += [(NA, _("Not applicable"), None), (DK, _("Don't know"), None)]
    return SheetContent(version, rows, options)


def template_csv(version: ModelVersion, language: str | None = None) -> bytes:
    return _csv(COLUMNS, _sheet_content(version, language).rows)


def _answers_title() -> str:
    return pgettext("the name of a spreadsheet tab", "Answers")


def template_xlsx(version: ModelVersion, language: str | None = None) -> bytes:
    content = _sheet_content(version, language)
    keys = [key for key, _label, _value in content.options]
    answers = _answers_title()
    return _xlsx([(answers, COLUMNS, content.rows),
                  (pgettext("the name of a spreadsheet tab", "Scale"),
                   ("answer", "label", "value"), content.options)],
                 validations={answers: ("E", keys)})


EXPORT_COLUMNS = ("respondent", "email", "status", "question_key", "dimension", "level",
                  "statement", "answer", "answer_label", "value", "comment", "updated_at")


def export_rows(assessment: Assessment, language: str | None = None, *,
                names: bool = False) -> list[tuple]:
    """Every answer of every submitted response, with its comment: two queries, and
    the version's snapshot.

    Unsubmitted responses never appear, in a named round or an anonymous one: a
    respondent may still change or withdraw those answers, and the results do not
    count them either. Without ``names`` (``anonymity.names_visible``) a respondent
    is "Respondent 3": no email, and no time of the answer (which the audit trail
    could tie to a person).
    """
    content = snapshot(assessment.model_version)
    texts = content.texts(language)
    option_labels = texts.option_labels()
    questions = {q.pk: q for q in content.questions}
    options = {o.key: (option_labels[o.key], o.value) for o in content.options}
    options[NA] = (_("Not applicable"), None)
    options[DK] = (_("Don't know"), None)
    responses = {r.pk: r for r in Response.objects.filter(
        Response.submitted(), assessment=assessment).select_related("user")}
    labels = respondent_labels(responses.values(), names=names)
    rows = []
    answers = (Answer.objects.filter(Response.submitted("response__"),
                                     response__assessment=assessment)
               .order_by("response_id", "question_id"))
    order = {q.pk: i for i, q in enumerate(
        q for d in content.dimensions for q in content.by_dimension.get(d.pk, []))}
    position = {pk: i for i, pk in enumerate(labels)}  # by name or respondent number
    for answer in sorted(answers, key=lambda a: (position[a.response_id],
                                                 order.get(a.question_id, 0))):
        response, question = responses[answer.response_id], questions[answer.question_id]
        label, value = options.get(answer.option, ("", None))
        rows.append((labels[response.pk], response.contact_email if names else "",
                     str(response.get_status_display()), question.key,
                     question.dimension.key, question.level,
                     texts.question(question.key).statement, answer.option, label,
                     value, answer.comment,
                     timezone.localtime(answer.updated_at).strftime("%Y-%m-%d %H:%M")
                     if names else ""))
    return rows


def export_csv(assessment: Assessment, language: str | None = None, *,
               names: bool = False) -> bytes:
    return _csv(EXPORT_COLUMNS, export_rows(assessment, language, names=names))


def export_xlsx(assessment: Assessment, language: str | None = None, *,
                names: bool = False) -> bytes:
    return _xlsx([(_answers_title(), EXPORT_COLUMNS,
                   export_rows(assessment, language, names=names))])


# --- Reading ---------------------------------------------------------------------------------


class SheetError(ValidationError):
    """A sheet that cannot be imported; ``problems`` lists every reason, with its row."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(self.problems)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """The sheet's rows as text, each with its row number (the header is row 1)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith((".csv", ".txt")):
        return _read_csv(data)
    raise SheetError([_("Upload a .csv or .xlsx file.")])


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError([_("The CSV file is not UTF-8 text. Save it as “CSV UTF-8”.")]) from None
    first = text.split("\n", 1)[0]
    # Spreadsheets in many European locales write ';' as the separator.
    delimiter = max(",;\t", key=first.count) if first else ","
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            if number > MAX_ROWS + 1:
                raise SheetError([_("The sheet has more than %(max)s rows.")
                                  % {"max": MAX_ROWS}])
            rows.append((number, [cell.strip() for cell in row]))
    except csv.Error:  # a cell over the csv module's 128 KiB limit, broken quoting
        raise SheetError([_("Row %(row)s: the CSV file cannot be read from here (a cell is "
                            "too long or its quotes are unbalanced).")
                          % {"row": reader.line_num}]) from None
    return rows


def _read_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    unreadable = SheetError([_("This is not an XLSX workbook that can be read.")])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # The sizes in the archive's directory bound what reading can unpack.
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise unreadable
            _refuse_too_large(archive)
        # data_only: a formula cell gives the value the spreadsheet cached, and nothing
        # is evaluated; read_only streams the sheet instead of building it in memory.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SheetError:
        raise
    except Exception:  # any garbage in the zip's XML: openpyxl raises all sorts
        raise unreadable from None
    try:
        sheet = _answers_sheet(workbook)
        rows = []
        for number, row in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS),
                                     start=1):
            if number > MAX_ROWS + 1:
                raise SheetError([_("The sheet has more than %(max)s rows.")
                                  % {"max": MAX_ROWS}])
            rows.append((number, [_cell_text(value) for value in row]))
        return rows
    except SheetError:
        raise
    except Exception:  # read_only parses lazily: broken XML shows up only here
        raise unreadable from None
    finally:
        workbook.close()


# An element's start tag, with any namespace prefix: a shared string, a row, a cell.
_COUNTED_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(si|row|c)[\s/>]")
_CHUNK = 1024 * 1024


def _refuse_too_large(archive: zipfile.ZipFile) -> None:
    """SheetError if the workbook holds more rows, cells or shared strings than an
    answer sheet can, counted in its XML (streamed, at most MAX_UNPACKED_BYTES, stopping
    at the first limit passed) before openpyxl reads anything. Every part is counted,
    wherever the workbook's relationships put it; declared counts and dimensions are
    not trusted."""
    limits = {b"si": MAX_SHARED_STRINGS, b"c": MAX_CELLS}
    counts = dict.fromkeys((b"si", b"row", b"c"), 0)
    for info in archive.infolist():
        rows = 0  # per sheet
        with archive.open(info) as part:
            carried = b""
            while chunk := part.read(_CHUNK):
                buffer = carried + chunk
                # Count only tags that end before the last "<"; the rest starts the next
                # buffer (its first bytes are enough to know the tag).
                end = buffer.rfind(b"<")
                end = len(buffer) if end < 0 else end
                for match in _COUNTED_TAG.finditer(buffer, 0, end):
                    tag = match.group(1)
                    counts[tag] += 1
                    if tag == b"row":
                        rows += 1
                        if rows > MAX_ROWS + 1:
                            raise SheetError([_("The sheet has more than %(max)s rows.")
                                              % {"max": MAX_ROWS}])
                    elif counts[tag] > limits[tag]:
                        raise SheetError([
                            _("The workbook has more than %(max)s cells.")
                            % {"max": MAX_CELLS} if tag == b"c" else
                            _("The workbook has more than %(max)s different texts.")
                            % {"max": MAX_SHARED_STRINGS}])
                carried = buffer[end:end + 64]


def _answers_sheet(workbook):
    """The sheet with the answers, found by its header (``question_key`` and ``answer``),
    not by its name, which is in the language of whoever downloaded it; else the first."""
    if not workbook.worksheets:
        raise SheetError([_("The sheet is empty.")])
    for sheet in workbook.worksheets:
        for number, row in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS),
                                     start=1):
            cells = {_cell_text(value).lower() for value in row}
            if cells - {""}:
                if set(REQUIRED_COLUMNS) <= cells:
                    return sheet
                break  # the first row with anything in it is the header
            if number >= 20:
                break
    return workbook.worksheets[0]


@dataclass
class ParsedSheet:
    answers: dict[str, dict[str, str]]  # question key -> {"option": …, "comment": …}
    rows: int


def parse_answers(rows: list[tuple[int, list[str]]], version: ModelVersion) -> ParsedSheet:
    """The answers of a sheet, or SheetError with every problem and its row."""
    content = snapshot(version)
    questions = {q.key for q in content.questions}
    allowed = {o.key for o in content.options} | set(RESERVED_OPTIONS)
    labels = {}
    for option in content.options:  # a label in any language is understood too
        for text in (option.label or {}).values():
            labels.setdefault(text.strip().lower(), option.key)
    problems: list[str] = []
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise SheetError([_("The sheet is empty.")])
    header_number, header = rows[0]
    columns = {name.strip().lower(): i for i, name in enumerate(header) if name}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise SheetError([_("Row %(row)s: the header needs the columns %(columns)s.")
                          % {"row": header_number, "columns": ", ".join(missing)}])

    def cell(cells: list[str], name: str) -> str:
        i = columns.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    answers: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    for number, cells in rows[1:]:
        key, raw, comment = cell(cells, "question_key"), cell(cells, "answer"), cell(
            cells, "comment")
        comment = restore(comment)  # without our own neutralising quotes
        where = _("Row %(row)s") % {"row": number}
        if not key:
            if raw or comment:
                problems.append(_("%(where)s: the question key is missing.") % {"where": where})
            continue
        option = raw.strip().lower()
        if option and option not in allowed:
            option = labels.get(option, option)
        try:
            cleaned = clean_answer(question_key=key, option=option or UNSET,
                                   comment=comment or UNSET, questions=questions,
                                   options=allowed)
        except ValidationError as error:
            if error.code == "question":
                problem = _("%(where)s: unknown question “%(key)s”.") % {
                    "where": where, "key": key}
            elif error.code == "option":
                problem = _("%(where)s: “%(answer)s” is not an answer option (use one of: "
                            "%(options)s).") % {"where": where, "answer": raw,
                                                "options": ", ".join(sorted(allowed))}
            else:
                problem = f"{where}: {error.messages[0]}"
            problems.append(problem)
            continue
        if key in seen:
            problems.append(_("%(where)s: question “%(key)s” is already answered on row "
                              "%(other)s.") % {"where": where, "key": key, "other": seen[key]})
            continue
        seen[key] = number
        given = {f: getattr(cleaned, f) for f in ("option", "comment")
                 if getattr(cleaned, f) not in (UNSET, "")}
        if given:
            answers[key] = given
    if problems:
        raise SheetError(problems)
    if not answers:
        raise SheetError([_("The sheet has no answers.")])
    return ParsedSheet(answers=answers, rows=len(rows) - 1)


@dataclass
class ImportPlan:
    """What importing a checked sheet would do, shown to the importer before anything
    is written when it needs their confirmation."""

    answers: dict[str, dict[str, str]]
    response: Response | None  # None: a new respondent called ``name``
    name: str
    submit: bool
    replaced: int  # the respondent's own answers (option or comment) the sheet replaces

    @property
    def who(self) -> str:
        return self.response.display_name if self.response is not None else self.name.strip()

    @property
    def needs_confirmation(self) -> bool:
        return self.replaced > 0 or self.submit

    def to_session(self) -> dict:
        return {"answers": self.answers, "name": self.name, "submit": self.submit,
                "replaced": self.replaced,
                "response": str(self.response.public_id) if self.response else None}


class ConfirmationNeeded(Exception):
    """The import replaces someone's own answers or submits for them: the importer
    must confirm ``plan`` first (again, if it changed since they confirmed)."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(plan.who)


def _replaced(response: Response | None, answers: dict) -> int:
    """How many of the respondent's saved answers (an option or a comment) the sheet's
    answers would overwrite."""
    if response is None or response.pk is None:
        return 0
    return (Answer.objects.filter(response=response, question__key__in=list(answers))
            .exclude(option="", comment="").count())


def offline_answers_check(*, by: OrgAccess, assessment: Assessment, data: bytes,
                          filename: str, response: Response | None = None, name: str = "",
                          submit: bool = False) -> ImportPlan:
    """Read and check a filled-in sheet for one respondent (an existing one who has not
    submitted, or a new one called ``name``): what importing it would do. Writes nothing."""
    by.require("assess")
    if not assessment.is_open:
        raise SheetError([_("Answers can be uploaded while the assessment is open.")])
    parsed = parse_answers(read_rows(data, filename), assessment.model_version)
    if response is not None and response.assessment_id != assessment.pk:
        raise SheetError([_("This respondent belongs to another assessment.")])
    return ImportPlan(answers=parsed.answers, response=response, name=name, submit=submit,
                      replaced=_replaced(response, parsed.answers))


@transaction.atomic
def offline_answers_import(*, by: OrgAccess, assessment: Assessment, plan: ImportPlan,
                           confirmed: bool = False, request=None) -> Response:
    """Import a checked sheet (``offline_answers_check``) as one respondent's answers.
    All or nothing.

    Answers a person gave (or an earlier import saved) are replaced, and answers are
    submitted on someone's behalf, only with ``confirmed``: the importer saw the plan
    naming whose answers and how many. If the respondent answered more of the sheet's
    questions since, :class:`ConfirmationNeeded` asks again with the new count. The
    audit row says who imported, for whom, how many answers were replaced and whether
    they were submitted.
    """
    by.require("assess")
    if not assessment.is_open:
        raise SheetError([_("Answers can be uploaded while the assessment is open.")])
    response = plan.response
    if response is not None:
        if response.assessment_id != assessment.pk:
            raise SheetError([_("This respondent belongs to another assessment.")])
        # Locked: the respondent's own saves wait until this import is decided.
        response = (Response.objects.select_for_update(of=("self",))
                    .select_related("user", "assessment").get(pk=response.pk))
        replaced = _replaced(response, plan.answers)
        if replaced > plan.replaced or (plan.needs_confirmation and not confirmed):
            raise ConfirmationNeeded(ImportPlan(
                answers=plan.answers, response=response, name=plan.name, submit=plan.submit,
                replaced=replaced))
    else:
        if plan.submit and not confirmed:
            raise ConfirmationNeeded(plan)
        replaced = 0
        response = Response.objects.create(assessment=assessment, name=plan.name.strip(),
                                           invited_by=by.user)
    answers_save(response=response, answers=plan.answers)
    audit(organisation=assessment.organisation, actor=by.user,
          action="assessment.answers_uploaded", target=str(assessment),
          data={"assessment": str(assessment.public_id), "response": str(response.public_id),
                "respondent": response.display_name, "answers": len(plan.answers),
                "replaced": replaced, "submitted": plan.submit, "confirmed": confirmed},
          request=request)
    if plan.submit:
        response_submit(response=response, request=request, on_behalf_by=by.user)
    return response
