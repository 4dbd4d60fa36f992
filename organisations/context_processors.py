from django.utils.functional import SimpleLazyObject

from .access import accessible_organisations


def tenancy(request):
    """The organisation switcher's entries (evaluated only if a template uses them)."""
    return {
        "switcher_organisations": SimpleLazyObject(
            lambda: accessible_organisations(getattr(request, "user", None))
        ),
        "access": getattr(request, "access", None),
    }
