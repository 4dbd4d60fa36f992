from django.utils.functional import SimpleLazyObject

from .access import accessible_organisations
from .branding import DEFAULT, page_branding


def tenancy(request):
    """The organisation switcher's entries and the page's branding (each evaluated only
    if a template uses it). A page outside an organisation that shows one (a
    respondent's questionnaire) passes its own ``brand``."""
    access = getattr(request, "access", None)
    return {
        "switcher_organisations": SimpleLazyObject(
            lambda: accessible_organisations(getattr(request, "user", None))
        ),
        "access": access,
        "brand": SimpleLazyObject(
            lambda: page_branding(access.organisation) if access is not None else DEFAULT),
    }
