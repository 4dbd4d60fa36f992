"""API test helpers: tokens for a cast's organisation and a client that sends them."""

from __future__ import annotations

import json

from django.test import Client

from api import services
from api.models import ApiToken
from tests.conftest import access_for

BASE = "/api/v1"


def make_token(cast, scope: str = ApiToken.Scope.READ, *, name: str = "Dashboard",
               days: int = 90) -> tuple[ApiToken, str]:
    """A token of the cast's organisation created by its owner, and its secret."""
    return services.token_create(by=access_for(cast.owner, cast.org), name=name, scope=scope,
                                 days=days)


class ApiClient:
    """Django's test client with ``Authorization: Bearer <secret>`` on every call."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, data=None, **headers):
        return self.client.get(BASE + path, data, headers={**self.headers, **headers})

    def post(self, path: str, body=None, *, raw: bytes | str | None = None,
             content_type: str = "application/json", **headers):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(BASE + path, data, content_type=content_type,
                                headers={**self.headers, **headers})


def token_client(cast, scope: str = ApiToken.Scope.READ, **kwargs) -> ApiClient:
    return ApiClient(make_token(cast, scope, **kwargs)[1])
