"""A draft's translations after its default-language text changes: the other languages
are marked for review, shown in the editor, and cleared when edited or confirmed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from models_catalog import services
from tests.catalog_factories import make_version
from tests.conftest import access_for, signed_in

KEY = "people.2.1"  # statement and recommendation in en and sv, help in en


@pytest.fixture
def draft(world):
    return make_version(owner=world.acme.org, slug="acme-draft", publish=False)


def _update(question, by, **texts):
    fields = {"statement": dict(question.statement),
              "recommendation": dict(question.recommendation), "help": dict(question.help)}
    confirmed = texts.pop("confirmed", ())
    fields.update(texts)
    return services.question_update(question=question, by=by, dimension="people", level=2,
                                    confirmed=confirmed, **fields)


def test_changing_the_default_language_marks_the_other_languages(draft, world):
    owner = access_for(world.acme.owner, world.acme.org)
    question = draft.questions.get(key=KEY)
    question = _update(question, owner,
                       statement={**question.statement, "en": "A new English statement"})
    assert question.needs_review == ["sv"]
    question.refresh_from_db()
    assert question.needs_review == ["sv"]


def test_changing_only_a_translation_marks_nothing(draft, world):
    owner = access_for(world.acme.owner, world.acme.org)
    question = draft.questions.get(key=KEY)
    question = _update(question, owner,
                       statement={**question.statement, "sv": "Bättre svenska"})
    assert question.needs_review == []


def test_editing_or_confirming_a_language_clears_its_mark(draft, world):
    owner = access_for(world.acme.owner, world.acme.org)
    question = draft.questions.get(key=KEY)
    question = _update(question, owner,
                       statement={**question.statement, "en": "New"})
    assert question.needs_review == ["sv"]
    # Saved again without touching Swedish: still marked.
    question = _update(question, owner, help={"en": "More help"})
    assert question.needs_review == ["sv"]
    question = _update(question, owner, confirmed=["sv"])
    assert question.needs_review == []
    question = _update(question, owner,
                       recommendation={**question.recommendation, "en": "Do it now"})
    assert question.needs_review == ["sv"]
    question = _update(question, owner,
                       recommendation={**question.recommendation, "sv": "Gör det nu"})
    assert question.needs_review == []


def _form_data(question, **changes):
    data = {"dimension": "people", "level": "2", "weight": "1",
            "statement_en": question.statement["en"], "statement_sv": question.statement["sv"],
            "recommendation_en": question.recommendation["en"],
            "recommendation_sv": question.recommendation["sv"],
            "help_en": question.help.get("en", ""), "loading__focus": "0.5"}
    data.update(changes)
    return data


def test_the_editor_shows_and_clears_the_mark(draft, world):
    client = signed_in(world.acme.consultant)
    question = draft.questions.get(key=KEY)
    edit = reverse("models_catalog:edit_question",
                   args=["acme", "acme-draft", draft.number, KEY])
    editor = reverse("models_catalog:edit", args=["acme", "acme-draft", draft.number])
    response = client.post(edit, _form_data(question, statement_en="Rewritten in English"))
    assert response.status_code == 302
    page = client.get(editor).content.decode()
    assert "data-needs-review" in page and "Translations to review" in page

    form = client.get(edit).content.decode()
    assert "Needs review" in form and 'name="confirm_review"' in form
    question.refresh_from_db()
    client.post(edit, _form_data(question, confirm_review="sv"))
    question.refresh_from_db()
    assert question.needs_review == []
    assert "data-needs-review" not in client.get(editor).content.decode()
