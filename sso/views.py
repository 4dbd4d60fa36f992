"""Single sign-on pages: the owner's settings, and the sign-in start for everyone."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations.access import tenant_view
from organisations.security import log_security_event
from organisations.service_views import call_service

from . import selectors, services
from .forms import DomainForm, ProviderForm, StartForm


def _posted(request):
    return (request.POST,) if request.method == "POST" else ()


@tenant_view("manage_sso", write="manage_sso")
def settings_page(request, access):
    provider = selectors.organisation_provider(access)
    initial = ({"issuer": provider.issuer, "client_id": provider.client_id,
                "join_role": provider.join_role, "enabled": provider.enabled,
                "sso_only": provider.sso_only} if provider else {})
    form = ProviderForm(*_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(request, services.save_provider, form=form, by=access,
                               request=request, done=_("Single sign-on settings saved."),
                               **form.cleaned_data)
        if outcome.ok:
            return redirect("sso:settings", org_slug=access.organisation.slug)
    return render(request, "sso/settings.html", {
        "organisation": access.organisation, "section": "sso", "form": form,
        "provider": provider, "domains": list(selectors.domains(access)),
        "domain_form": DomainForm(),
        "redirect_uri": settings.SITE_URL.rstrip("/") + reverse(
            "openid_connect_callback", kwargs={"provider_id": access.organisation.slug}),
    }, status=400 if form.errors else 200)


@tenant_view("manage_sso", write="manage_sso")
@require_POST
def provider_test(request, access):
    provider = selectors.organisation_provider(access)
    if provider is None:
        messages.error(request, _("Save the identity provider first."))
    else:
        call_service(request, services.test_provider, by=access, provider=provider,
                     done=lambda issuer: _("The identity provider answered as %(issuer)s.")
                     % {"issuer": issuer})
    return redirect("sso:settings", org_slug=access.organisation.slug)


@tenant_view("manage_sso", write="manage_sso")
@require_POST
def domain_add(request, access):
    form = DomainForm(request.POST)
    if form.is_valid():
        call_service(request, services.add_domain, by=access, request=request,
                     value=form.cleaned_data["domain"],
                     done=lambda claim: _("%(domain)s added: publish its TXT record, then "
                                          "verify it.") % {"domain": claim.domain})
    else:
        messages.error(request, _("Enter a domain name such as example.com."))
    return redirect("sso:settings", org_slug=access.organisation.slug)


@tenant_view("manage_sso", write="manage_sso")
@require_POST
def domain_verify(request, access, domain_id):
    claim = selectors.get_domain(access, domain_id)
    call_service(request, services.verify_domain, by=access, claim=claim,
                 request=request, done=_("%(domain)s is verified.") % {"domain": claim.domain})
    return redirect("sso:settings", org_slug=access.organisation.slug)


@tenant_view("manage_sso", write="manage_sso")
@require_POST
def domain_remove(request, access, domain_id):
    claim = selectors.get_domain(access, domain_id)
    call_service(request, services.remove_domain, by=access, claim=claim,
                 request=request, done=_("%(domain)s removed.") % {"domain": claim.domain})
    return redirect("sso:settings", org_slug=access.organisation.slug)


def start(request):
    """Sign-in through single sign-on, step 1: the address tells which organisation's
    provider to use. Step 2 is a page with one button that starts allauth's flow; it
    allows that provider's origin as a form target (the CSP's form-action covers the
    redirects that follow a form)."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = StartForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        provider = selectors.provider_for_email(form.cleaned_data["email"])
        if provider is None:
            form.add_error("email", _("No organisation signs in this address through single "
                                      "sign-on. Sign in with your password instead."))
        else:
            response = render(request, "sso/continue.html", {
                "provider": provider,
                "login_url": reverse("openid_connect_login",
                                     kwargs={"provider_id": provider.organisation.slug}),
                "next": request.POST.get("next", ""),
            })
            issuer = urlsplit(provider.issuer)
            response._csp_config = {**settings.SECURE_CSP, "form-action": [
                CSP.SELF, f"{issuer.scheme}://{issuer.netloc}"]}
            return response
    return render(request, "sso/start.html", {"form": form,
                                              "next": request.GET.get("next", "")},
                  status=400 if form.errors else 200)


def go(request, provider_id):
    """Step 2's button: allauth's login view (the redirect to the provider), with a
    provider that does not answer turned into a message instead of an error page."""
    import requests
    from allauth.socialaccount.providers.openid_connect import views as oidc_views

    if request.method != "POST":
        return redirect("sso_start")
    try:
        return oidc_views.login(request, provider_id=provider_id)
    except requests.RequestException:
        log_security_event("sso.provider_down", request=request, organisation=provider_id)
        error = _("Your organisation's identity provider is not answering, so single sign-on "
                  "is not possible right now. Try again later, or sign in with your password "
                  "if your organisation allows it.")
        return render(request, "sso/start.html", {"form": StartForm(), "error": error},
                      status=503)
