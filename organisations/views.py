from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .access import accessible_organisations, departments, tenant_view


@never_cache
def healthz(request):
    """Liveness and database reachability, for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request):
    orgs = accessible_organisations(request.user)
    if len(orgs) == 1:
        return redirect("organisations:home", org_slug=orgs[0][0].slug)
    return render(request, "organisations/choose.html", {"organisations": orgs})


@tenant_view()
def organisation_home(request, access):
    return render(request, "organisations/home.html", {
        "organisation": access.organisation,
        "departments": departments(access),
    })
