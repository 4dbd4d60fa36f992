"""The one way a view calls a service that may refuse: the refusal becomes messages
on the page (or errors on the form), success a message.

    outcome = call_service(request, services.invitation_revoke, by=access,
                           invitation=invitation, request=request,
                           done=_("The invitation is revoked."))
    if outcome.ok:
        return redirect(...)

A page that answers some refusals its own way names their types in ``own``: a
ValidationError subclass, or a service's own exception that is not a ValidationError
(``DocumentError``, with every problem of an imported document). Those are neither
shown nor put on the form; the caller answers them from ``outcome.error`` (the
catalogue's 409 page for a version that is no longer a draft):

    outcome = call_service(request, services.version_retire, own=(PublishedVersionError,),
                           version=version, by=access, request=request, done=...)
    if isinstance(outcome.error, PublishedVersionError):
        return _locked(request, access, version, outcome.error)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


@dataclass(frozen=True)
class Outcome:
    ok: bool
    result: Any = None  # what the service returned, when ok
    error: Exception | None = None  # the refusal (a ValidationError, or of ``own``)


def call_service(request: HttpRequest, service: Callable[..., Any], /, *,
                 done: str | Callable[[Any], str] | None = None,
                 form: forms.Form | None = None,
                 refused: Callable[[list[str]], Any] | None = None,
                 own: tuple[type[Exception], ...] = (), **kwargs) -> Outcome:
    """``service(**kwargs)``. If it raises ValidationError, its messages go on ``form``
    (on their fields where the form has them), or to ``refused`` (a function of the
    list of messages, for a page that shows them itself: ``errors.extend``), or else to
    the page's messages as one error. An exception of a type in ``own`` is a refusal
    that goes nowhere: the caller answers it from ``outcome.error``. Otherwise ``done``
    (a text, or a function of the service's result) is the page's success message."""
    try:
        result = service(**kwargs)
    except own as error:
        return Outcome(ok=False, error=error)
    except ValidationError as error:
        if form is not None:
            show_on_form(form, error)
        elif refused is not None:
            refused(error.messages)
        else:
            messages.error(request, " ".join(error.messages))
        return Outcome(ok=False, error=error)
    if done is not None:
        messages.success(request, done(result) if callable(done) else done)
    return Outcome(ok=True, result=result)


def show_on_form(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on ``form``: each message on its field if the form
    has it (or maps it with ``field_for(name)``), else on the form as a whole."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, errors in error.error_dict.items():
        if hasattr(form, "field_for"):
            target = form.field_for(name)
        else:
            target = name if name in form.fields else None
        for item in errors:
            form.add_error(target, item)
