"""The scoring contract on the command line (DESIGN.md, "Scoring contract").

    python manage.py score_answers --model SLUG [--version N] [--organisation ORG] ANSWERS.json

Model slugs are unique per owner: ``--model`` names the shipped model with that
slug (else the one organisation's model that has it), and with ``--organisation``
that organisation's own model.

prints the result as JSON and exits 0; any invalid input exits non-zero with one
line on stderr naming what is wrong.

A round's JSON export (``reports.exports.assessment_contract``) is a valid input as
it is: it carries the respondents, consensus answers and target level it was scored
from, and describes the round in fields this command reads past (``EXPORT_FIELDS``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from models_catalog.management.base import ModelVersionCommand
from models_catalog.selectors import find_version, model_spec
from models_catalog.texts import model_texts
from scoring import (
    result_as_contract,
    score,
    validate_answers,
    validate_consensus,
)

TOP_FIELDS = ("respondents", "consensus", "target_level")
# What a round's JSON export says besides the input: the round, its result and what the
# consensus session changed. Read past, never scored.
EXPORT_FIELDS = ("organisation", "department", "assessment", "result", "session")
RESPONDENT_FIELDS = ("name", "answers")


def _fail(message: str) -> CommandError:
    return CommandError(" ".join(message.split()), returncode=2)


class Command(ModelVersionCommand):
    help = ("Score answers to a model version (default: its latest published version) "
            "and print the result as JSON.")

    def add_arguments(self, parser):
        parser.add_argument("answers", metavar="ANSWERS.json",
                            help='{"respondents": [{"name": …, "answers": {QUESTION: OPTION}}], '
                                 '"consensus": {QUESTION: OPTION}, "target_level": N}; '
                                 '"-" reads standard input')
        parser.add_argument("--model", required=True, metavar="SLUG")
        self.add_version_argument(parser, "the version number (default: the latest "
                                          "published one)")
        parser.add_argument("--language", default="en",
                            help="the language of the level names (default: en)")
        self.add_owner_argument(parser)

    def handle(self, *args, answers, model, number, language, organisation, **options):
        document = self._read(answers)
        try:
            version = find_version(model, number,
                                   organisation=self.owner(organisation, returncode=2))
        except LookupError as error:
            raise _fail(str(error)) from None
        try:
            spec = model_spec(version, language)
        except ValueError as error:
            raise _fail(f"version {version.number} of {model!r} cannot be scored: "
                        f"{error}") from None
        responses, consensus, target = self._responses(document, spec.levels)
        problems = validate_answers(spec, responses) + validate_consensus(spec, consensus)
        if problems:
            raise _fail("; ".join(problems))
        result = score(spec, responses, target_level=target, consensus=consensus)
        contract = result_as_contract(result, model_slug=version.model.slug,
                                      version=version.number,
                                      level_names=model_texts(version, language).level_names())
        self.stdout.write(json.dumps(contract, ensure_ascii=False, indent=2))

    def _read(self, path: str) -> Any:
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise _fail(f"cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise _fail(f"{path} is not UTF-8 text") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise _fail(f"malformed JSON in {path} at line {error.lineno}, column "
                        f"{error.colno}: {error.msg}") from None

    def _responses(self, document: Any,
                   top: int) -> tuple[list[dict], dict | None, int | None]:
        if not isinstance(document, dict):
            raise _fail('the answers must be a JSON object with "respondents"')
        unknown = [key for key in document if key not in TOP_FIELDS + EXPORT_FIELDS]
        if unknown:
            raise _fail(f"unknown field {unknown[0]!r} (expected: {', '.join(TOP_FIELDS)})")
        if "respondents" not in document:
            raise _fail('"respondents" is missing')
        respondents = document["respondents"]
        if not isinstance(respondents, list):
            raise _fail('"respondents" must be a list')
        consensus = document.get("consensus")
        if consensus is not None and not isinstance(consensus, dict):
            raise _fail('"consensus" must be an object of question key to option key')
        if not respondents and not consensus:
            raise _fail('no respondents: "respondents" is empty')
        responses = []
        for number, respondent in enumerate(respondents, start=1):
            who = f"respondent {number}"
            if not isinstance(respondent, dict):
                raise _fail(f'{who}: must be an object with "answers"')
            unknown = [key for key in respondent if key not in RESPONDENT_FIELDS]
            if unknown:
                raise _fail(f"{who}: unknown field {unknown[0]!r} "
                            f"(expected: {', '.join(RESPONDENT_FIELDS)})")
            if "name" in respondent and not isinstance(respondent["name"], str | None):
                raise _fail(f'{who}: "name" must be text')
            answers = respondent.get("answers", {})
            if not isinstance(answers, dict):
                raise _fail(f'{who}: "answers" must be an object of question key to option key')
            responses.append(answers)
        target = document.get("target_level")
        if target is not None and (not isinstance(target, int) or isinstance(target, bool)
                                   or not 1 <= target <= top):
            raise _fail(f'"target_level" must be a whole number from 1 to {top}, '
                        f"got {json.dumps(target)}")
        return responses, consensus, target
