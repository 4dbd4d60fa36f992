"""The project's URLs plus ``/healthz/floor``, for load benchmarks only.

The floor is the cheapest page the stack can serve: the whole middleware chain,
one query and a small template. Pages are measured against it, so the figures say
what a page costs on top of Django itself on this machine.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache

from maturity_site.urls import urlpatterns as site_urlpatterns
from organisations.models import Organisation

FLOOR_TEMPLATE = engines["django"].from_string(
    "<!doctype html><html lang=\"en\"><title>floor</title>"
    "<p>{{ name|default:\"nobody\" }} · {{ now|date:\"Y-m-d H:i\" }}</p></html>")


@never_cache
def floor(request):
    name = Organisation.objects.order_by("pk").values_list("name", flat=True).first()
    return HttpResponse(FLOOR_TEMPLATE.render({"name": name, "now": timezone.now()}, request))


urlpatterns = [path("healthz/floor", floor, name="bench_floor"), *site_urlpatterns]
