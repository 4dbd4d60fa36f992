"""The organisation's API tokens page (owners): list with last use, create (the secret
is shown once), revoke."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from organisations.access import tenant_view
from organisations.service_views import call_service

from . import selectors, services
from .forms import TokenForm

SECTION = "members"  # reached from the members page, highlighted as it in the navigation


def _render(request, access, template: str, context: dict):
    return render(request, template, {"organisation": access.organisation,
                                      "section": SECTION, **context})


@tenant_view("manage_api_tokens", write="manage_api_tokens")
@require_safe
def token_list(request, access):
    return _render(request, access, "api/token_list.html", {
        "tokens": selectors.tokens(access),
        "docs_url": reverse("api-v1:openapi-view"),
    })


@tenant_view("manage_api_tokens", write="manage_api_tokens")
def token_create(request, access):
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(request, services.token_create, form=form, by=access,
                               request=request, **form.cleaned_data)
        if outcome.ok:
            token, secret = outcome.result
            # Rendered, not redirected: the secret exists only in this response (and
            # tenant pages are never cached).
            return _render(request, access, "api/token_created.html", {
                "token": token, "secret": secret,
                "api_url": request.build_absolute_uri(
                    reverse("api-v1:openapi-json").removesuffix("openapi.json")),
            })
    return _render(request, access, "api/token_form.html", {"form": form})


@tenant_view("manage_api_tokens", write="manage_api_tokens")
def token_revoke(request, access, token_id):
    token = selectors.get_token(access, token_id)
    if request.method == "POST":
        call_service(request, services.token_revoke, by=access, token=token, request=request,
                     done=_("The token “%(name)s” is revoked; calls with it are refused from "
                            "now on.") % {"name": token.name})
        return redirect("api:token_list", org_slug=access.organisation.slug)
    return _render(request, access, "api/token_confirm_revoke.html", {"token": token})
