"""The one way a view calls a service that may refuse: the refusal becomes messages
on the page (or errors on the form), success a message.

    outcome = call_service(request, services.invitation_revoke, by=access,
                           invitation=invitation, request=request,
                           done=_("The invitation is revoked."))
    if outcome.ok:
        return redirect(...)
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


def call_service(request: HttpRequest, service: Callable[..., Any], /, *,
                 done: str | Callable[[Any], str] | None = None,
                 form: forms.Form | None = None, **kwargs) -> Outcome:
    """``service(**kwargs)``. If it raises ValidationError, its messages go on ``form``
    (on their fields where the form has them) or, without a form, to the page's
    messages as one error. Otherwise ``done`` (a text, or a function of the service's
    result) is the page's success message."""
    try:
        result = service(**kwargs)
    except ValidationError as error:
        if form is not None:
            show_on_form(form, error)
        else:
            messages.error(request, " ".join(error.messages))
        return Outcome(ok=False)
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
