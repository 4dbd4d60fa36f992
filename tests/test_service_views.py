"""organisations.service_views: how a view shows a service's refusal or success."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from organisations.service_views import call_service


class _Form(forms.Form):
    name = forms.CharField()


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _refuse(**kwargs):
    raise ValidationError({"name": "Taken.", "slug": "Bad slug."})


def test_it_puts_a_refusal_on_the_forms_fields_and_the_rest_on_the_form():
    request, form = _request(), _Form({"name": "x"})
    assert form.is_valid()
    outcome = call_service(request, _refuse, form=form, done="Saved.")
    assert not outcome.ok
    assert form.errors == {"name": ["Taken."], "__all__": ["Bad slug."]}
    assert list(get_messages(request)) == []


def test_it_says_a_refusal_without_a_form_as_one_error_message():
    request = _request()
    assert not call_service(request, _refuse, done="Saved.").ok
    assert [m.message for m in get_messages(request)] == ["Taken. Bad slug."]


def test_it_says_success_from_the_services_result():
    request = _request()
    outcome = call_service(request, lambda *, n: n * 2, n=21, done=lambda r: f"Got {r}.")
    assert outcome.ok and outcome.result == 42
    assert [m.message for m in get_messages(request)] == ["Got 42."]


def test_it_hands_a_refusal_to_refused_instead_of_the_pages_messages():
    request, shown = _request(), []
    outcome = call_service(request, _refuse, refused=shown.extend, done="Saved.")
    assert not outcome.ok and isinstance(outcome.error, ValidationError)
    assert shown == ["Taken.", "Bad slug."]
    assert list(get_messages(request)) == []


class _Locked(ValidationError):
    pass


class _Unreadable(Exception):
    pass


def test_it_leaves_a_refusal_of_the_callers_own_types_to_the_caller():
    def locked(**kwargs):
        raise _Locked("No longer a draft.")

    def unreadable(**kwargs):
        raise _Unreadable("line 3: bad")

    request, form = _request(), _Form({"name": "x"})
    assert form.is_valid()
    first = call_service(request, locked, form=form, own=(_Locked,), done="Saved.")
    second = call_service(request, unreadable, own=(_Unreadable,), done="Saved.")
    assert isinstance(first.error, _Locked) and isinstance(second.error, _Unreadable)
    assert not first.ok and not second.ok
    assert form.errors == {} and list(get_messages(request)) == []
    # Any other exception is not a refusal: it is not caught.
    try:
        call_service(request, unreadable, own=(_Locked,))
    except _Unreadable:
        pass
    else:
        raise AssertionError("an exception outside own was caught")
