"""Under ``/api/``: bodies over the upload limit are refused before anything reads
them (413), every error is a problem detail (also Django's own 404, 405 and 500
pages), nothing is cached, and every call made with a token leaves an audit row
naming the token."""

from __future__ import annotations

from django.conf import settings

from organisations.services import audit

from . import problems

PREFIX = "/api/"
# Kept from an error response turned into a problem detail.
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_UPLOAD_BYTES:
            response = problems.problem(request, 413, problems.default_detail(413))
        else:
            response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
                problems.CONTENT_TYPE):
            kept = {name: response[name] for name in KEPT_HEADERS if name in response}
            response = problems.problem(request, response.status_code,
                                        problems.default_detail(response.status_code),
                                        headers=kept)
        response.setdefault("Cache-Control", "no-store")
        token = getattr(request, "api_token", None)
        if token is not None:
            audit(organisation=token.organisation, actor=token.created_by,
                  action="api.called", target=f"{request.method} {request.path}",
                  data={"token": str(token.public_id), "status": response.status_code},
                  request=request)
        return response
