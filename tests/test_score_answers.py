"""`manage.py score_answers`: the scoring contract of DESIGN.md on the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from models_catalog.services import draft_create, version_publish
from organisations.models import Organisation
from tests.catalog_factories import build_document, make_version

ALL_KEYS = ["people.2.1", "people.3.1", "people.4.1", "customers.2.1", "customers.3.1",
            "customers.4.1"]


@pytest.fixture
def model(db):
    return make_version(slug="scored")


def _write(tmp_path, document, name="answers.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def _score(path, *args) -> dict:
    out = StringIO()
    call_command("score_answers", "--model", "scored", *args, path, stdout=out)
    return json.loads(out.getvalue())


def _error(path, *args, model="scored") -> str:
    with pytest.raises(CommandError) as raised:
        call_command("score_answers", "--model", model, *args, path, stdout=StringIO())
    message = str(raised.value)
    assert raised.value.returncode != 0
    assert "\n" not in message
    return message


def test_it_prints_the_contract_for_a_fully_mature_department(model, tmp_path):
    path = _write(tmp_path, {"respondents": [
        {"name": "Ann", "answers": dict.fromkeys(ALL_KEYS, "fully")},
        {"answers": dict.fromkeys(ALL_KEYS, "fully")}]})
    assert _score(path) == {
        "model": "scored", "version": 1, "levels": 4, "threshold": 0.75,
        "overall": {"level": 4, "index": 4.0, "name": "Strategic"},
        "dimensions": [
            {"key": "people", "level": 4, "index": 4.0,
             "fulfilment": {"2": 1.0, "3": 1.0, "4": 1.0}, "blocked_at": None},
            {"key": "customers", "level": 4, "index": 4.0,
             "fulfilment": {"2": 1.0, "3": 1.0, "4": 1.0}, "blocked_at": None},
        ],
        # Every loading is positive and every answer "fully": both axes at the top.
        "axes": [{"key": "focus", "position": 1.0}, {"key": "mindset", "position": 1.0}],
        "completeness": 1.0,
        "next_steps": [],
    }


def test_it_scores_partial_answers_with_next_steps_towards_the_target(model, tmp_path):
    path = _write(tmp_path, {"target_level": 3, "respondents": [
        {"answers": {"people.2.1": "fully", "people.3.1": "partly", "customers.2.1": "na",
                     "customers.3.1": "dk"}}]})
    result = _score(path)
    assert result["overall"] == {"level": 2, "index": 2.4444, "name": "Controlled"}
    people, customers = result["dimensions"]
    assert people == {"key": "people", "level": 2, "index": 2.4444,
                      "fulfilment": {"2": 1.0, "3": 0.3333, "4": None},
                      "blocked_at": {"level": 3, "short": ["people.3.1"]}}
    assert customers["level"] == 2 and customers["fulfilment"] == {"2": None, "3": None,
                                                                   "4": None}
    assert result["completeness"] == 0.5
    # By level, then w·(1 − v): customers.3.1 is unknown (v = 0): 1.5 > 2·(1 − 1/3).
    assert result["next_steps"] == [
        {"question": "customers.3.1", "dimension": "customers", "level": 3},
        {"question": "people.3.1", "dimension": "people", "level": 3},
    ]


def test_it_scores_an_empty_questionnaire_as_level_one(model, tmp_path):
    result = _score(_write(tmp_path, {"respondents": [{"answers": {}}]}))
    assert result["overall"]["level"] == 1 and result["overall"]["name"] == "Ad hoc"
    assert result["completeness"] == 0.0


def test_it_uses_the_latest_published_version_unless_told(db, tmp_path):
    owner = Organisation.objects.create(name="Owner", slug="owner")
    first = make_version(slug="owned", owner=owner)
    draft = draft_create(version=first, by=None)
    # Not published yet: the default stays on version 1.
    path = _write(tmp_path, {"respondents": [{"answers": {"people.2.1": "fully"}}]})
    args = ["--model", "owned", path]

    def version(*extra) -> int:
        out = StringIO()
        call_command("score_answers", *extra, *args, stdout=out)
        return json.loads(out.getvalue())["version"]

    assert version() == 1
    version_publish(version=draft, by=None)
    assert version() == 2
    assert version("--version", "1") == 1  # retired, still scorable


def test_it_names_the_level_in_the_language_asked(model, tmp_path):
    result = _score(_write(tmp_path, {"respondents": [{"answers": {}}]}), "--language", "sv")
    assert result["overall"]["name"] == "Ad hoc"
    full = _write(tmp_path, {"respondents": [{"answers": dict.fromkeys(ALL_KEYS, "fully")}]},
                  "full.json")
    assert _score(full, "--language", "sv")["overall"]["name"] == "Strategisk"


@pytest.mark.parametrize("document, message", [
    ('{"respondents": [', "malformed JSON in {path} at line 1, column 18: Expecting value"),
    ({"respondents": []}, 'no respondents: "respondents" is empty'),
    ({}, '"respondents" is missing'),
    ([], 'the answers must be a JSON object with "respondents"'),
    ({"respondents": {"a": 1}}, '"respondents" must be a list'),
    ({"respondents": [{"answers": {"nope.2.1": "fully"}}]},
     "respondent 1: unknown question 'nope.2.1'"),
    ({"respondents": [{"answers": {}}, {"answers": {"people.2.1": "always"}}]},
     "respondent 2: unknown option 'always' for question 'people.2.1' (expected one of: "
     "not_in_place, partly, largely, fully, na, dk)"),
    ({"respondents": [{"answers": ["fully"]}]},
     'respondent 1: "answers" must be an object of question key to option key'),
    ({"respondents": [{"answers": {}, "email": "x"}]},
     "respondent 1: unknown field 'email' (expected: name, answers)"),
    ({"respondents": [{"answers": {}}], "target_level": 9},
     '"target_level" must be a whole number from 1 to 4, got 9'),
    ({"respondents": [{"answers": {}}], "target": 3},
     "unknown field 'target' (expected: respondents, consensus, target_level)"),
    ({"respondents": [{"answers": {}}], "consensus": {"nope.2.1": "fully"}},
     "consensus: unknown question 'nope.2.1'"),
    ({"respondents": [{"answers": {}}], "consensus": {"people.2.1": "always"}},
     "consensus: unknown option 'always' for question 'people.2.1' (expected one of: "
     "not_in_place, partly, largely, fully, na, dk)"),
    ({"respondents": [{"answers": {}}], "consensus": ["people.2.1"]},
     '"consensus" must be an object of question key to option key'),
])
def test_it_names_what_is_wrong_with_the_answers(model, tmp_path, document, message):
    path = _write(tmp_path, document)
    assert _error(path) == message.format(path=path)


def test_it_names_an_unknown_model_or_version(model, tmp_path):
    path = _write(tmp_path, {"respondents": [{"answers": {}}]})
    assert _error(path, model="nope") == "unknown model 'nope'"
    assert _error(path, "--version", "3") == "model 'scored' has no version 3"
    make_version(slug="unpublished", publish=False)
    assert _error(path, model="unpublished") == "model 'unpublished' has no published version"


def test_it_names_a_file_it_cannot_read(model, tmp_path):
    assert _error(str(tmp_path / "missing.json")) == (
        f"cannot read {tmp_path / 'missing.json'}: No such file or directory")


def test_it_exits_non_zero_with_one_line_on_stderr(tmp_path):
    path = _write(tmp_path, "{not json")
    env = {**os.environ, "VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "score_answers", "--model", "any", path],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
        check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"malformed JSON in {path} at line 1, column 2" in lines[0]


def test_it_accepts_the_keys_that_export_model_prints(model, tmp_path):
    out = StringIO()
    call_command("export_model", "scored", "--format", "json", stdout=out)
    exported = json.loads(out.getvalue())
    answers = {q["key"]: exported["scale"][-1]["key"] for q in exported["questions"]}
    result = _score(_write(tmp_path, {"respondents": [{"answers": answers}]}))
    assert result["overall"]["level"] == 4
    assert build_document()["scale"][-1]["key"] == "fully"


def test_it_prints_the_threshold_rounded_and_counts_largely_as_met(db, tmp_path):
    document = build_document()
    del document["scoring"]["threshold"]  # the default: exactly 2/3
    make_version(slug="scored", document=document)
    path = _write(tmp_path, {"respondents": [
        {"answers": dict.fromkeys(ALL_KEYS, "largely")},
        {"answers": dict.fromkeys(ALL_KEYS, "largely")}]})
    result = _score(path)
    assert result["threshold"] == 0.6667
    assert result["overall"]["level"] == 4
    assert [d["blocked_at"] for d in result["dimensions"]] == [None, None]


def test_consensus_answers_override_the_respondents(model, tmp_path):
    # The respondents have people at level 4; the facilitated session agreed that
    # people.3.1 is only partly in place, and customers.3.1 does not apply.
    path = _write(tmp_path, {
        "respondents": [{"answers": dict.fromkeys(ALL_KEYS, "fully")}],
        "consensus": {"people.3.1": "partly", "customers.3.1": "na", "customers.4.1": "dk"}})
    result = _score(path)
    people, customers = result["dimensions"]
    assert people["level"] == 2 and people["fulfilment"]["3"] == 0.3333
    assert people["blocked_at"] == {"level": 3, "short": ["people.3.1"]}
    assert customers["fulfilment"] == {"2": 1.0, "3": None, "4": None}
    assert customers["level"] == 3  # 3 vacuous, 4 unknown
    assert customers["blocked_at"] == {"level": 4, "short": ["customers.4.1"]}
    assert result["completeness"] == 0.8333  # the dk consensus answer is missing
    # Consensus alone, without respondents, is enough to score.
    alone = _write(tmp_path, {"respondents": [],
                              "consensus": dict.fromkeys(ALL_KEYS, "largely")}, "alone.json")
    assert _score(alone)["overall"]["level"] == 1  # this model's θ is 0.75
