"""``/api/v1/``: the API, and a problem detail for any other path below it."""

from django.urls import path, re_path

from . import problems
from .v1 import api


def not_found(request, rest=""):
    return problems.problem(request, 404, problems.default_detail(404))


urlpatterns = [
    path("v1/", api.urls),
    re_path(r"^(?P<rest>.*)$", not_found),
]
