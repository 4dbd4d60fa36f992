from django.conf import settings
from django.utils import translation


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
