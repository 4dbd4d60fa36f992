"""The benchmark page of an organisation: a consultancy's switch, a client's consent."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from organisations.access import tenant_view
from organisations.service_views import call_service

from . import pool, selectors, services
from .forms import ParticipationForm, ProgrammeForm


@tenant_view("view", write="manage_benchmark")
def settings_page(request, access):
    organisation = access.organisation
    posted = (request.POST,) if request.method == "POST" else ()
    context = {"organisation": organisation, "section": "benchmark",
               "minimum": pool.minimum()}
    if organisation.is_consultancy:
        programme = selectors.programme(access)
        form = ProgrammeForm(*posted, initial={"enabled": bool(programme and programme.enabled)})
        if request.method == "POST" and form.is_valid():
            outcome = call_service(request, services.set_programme, form=form, by=access,
                                   enabled=form.cleaned_data["enabled"], request=request,
                                   done=_("Benchmark settings saved."))
            if outcome.ok:
                return redirect("peers:settings", org_slug=organisation.slug)
        context.update(form=form, programme=programme,
                       clients=selectors.client_decisions(access),
                       pools=selectors.pool_sizes(access))
    else:
        participation = selectors.participation(organisation)
        initial = ({"opted_in": participation.opted_in, "sector": participation.sector,
                    "size_band": participation.size_band} if participation else {})
        form = ParticipationForm(*posted, initial=initial)
        if request.method == "POST" and form.is_valid():
            outcome = call_service(request, services.set_participation, form=form, by=access,
                                   request=request, done=_("Benchmark settings saved."),
                                   **form.cleaned_data)
            if outcome.ok:
                return redirect("peers:settings", org_slug=organisation.slug)
        context.update(form=form, participation=participation,
                       can_decide=access.can("manage_benchmark") and not access.via_consultancy,
                       programme_on=pool.programme_on(organisation))
    return render(request, "peers/settings.html", context,
                  status=400 if request.method == "POST" else 200)
