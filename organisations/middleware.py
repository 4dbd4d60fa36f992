from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.urls import get_resolver, get_urlconf
from django.utils import translation

from . import errors
from .security import log_security_event


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's.

    Runs after LocaleMiddleware (which honours the language cookie and the
    browser's Accept-Language before sign-in) and after authentication.

    Because the saved language wins, the header's language switcher (Django's
    ``set_language``, which only sets a cookie) would have no effect for a user
    who saved one; so when a response sets the language cookie for a signed-in
    user, that choice is saved to their profile too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        self._remember_switch(request, response)
        return response

    @staticmethod
    def _remember_switch(request, response) -> None:
        cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        user = getattr(request, "user", None)
        if cookie is None or user is None or not user.is_authenticated:
            return
        language = cookie.value
        if language and language != user.language and language in dict(settings.LANGUAGES):
            from .services import profile_update

            profile_update(user=user, full_name=user.full_name, language=language,
                           request=request)


class PermissionDeniedMiddleware:
    """A 403 is logged once, as a security event, without a traceback.

    Django's ``django.request`` logger reports a PermissionDenied raised by a view as a
    warning with the whole traceback, next to the security log's own line; here the
    security line is written (with the organisation of a tenant URL), the 403 page is
    rendered by the project's handler, and the response is marked as logged.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PermissionDenied):
            return None
        match = getattr(request, "resolver_match", None)
        log_security_event("access.denied", request=request,
                           organisation=match.kwargs.get("org_slug") if match else None,
                           path=request.path, method=request.method, answer=403)
        handler = get_resolver(get_urlconf()).resolve_error_handler(403)
        response = handler(request, exception=exception)
        response._has_been_logged = True  # read by django.utils.log.log_response
        return response


class MethodNotAllowedMiddleware:
    """Django's 405 (``require_POST`` and the like: a GET of an address only a button
    posts to) is an empty response, which browsers show as a blank or broken page; it
    gets the project's page, like 403 and 404. Under /api/ ApiMiddleware turns it into
    a problem detail, as every API error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            return errors.method_not_allowed(request, response["Allow"])
        return response
