"""Reading single sign-on configuration: one place for "which provider signs this
address in"."""

from __future__ import annotations

from django.db.models import QuerySet

from organisations.access import OrgAccess, get_scoped, scoped

from .models import EmailDomain, IdentityProvider


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def provider_for_email(email: str) -> IdentityProvider | None:
    """The switched-on provider of the organisation that verified this address's domain."""
    domain = domain_of(email)
    if not domain:
        return None
    claim = (EmailDomain.objects.filter(domain=domain, verified_at__isnull=False)
             .select_related("organisation__identity_provider").first())
    if claim is None:
        return None
    provider = getattr(claim.organisation, "identity_provider", None)
    return provider if provider is not None and provider.enabled else None


def provider_by_slug(slug: str) -> IdentityProvider | None:
    return (IdentityProvider.objects.select_related("organisation")
            .filter(organisation__slug=slug, enabled=True).first())


def enabled_providers() -> QuerySet[IdentityProvider]:
    return IdentityProvider.objects.select_related("organisation").filter(enabled=True)


def is_verified_domain(provider: IdentityProvider, email: str) -> bool:
    return EmailDomain.objects.filter(organisation_id=provider.organisation_id,
                                      domain=domain_of(email),
                                      verified_at__isnull=False).exists()


def organisation_provider(access: OrgAccess) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(organisation=access.organisation).first()


def domains(access: OrgAccess) -> QuerySet[EmailDomain]:
    return scoped(access, EmailDomain.objects.all())


def get_domain(access: OrgAccess, domain_id) -> EmailDomain:
    return get_scoped(access, EmailDomain.objects.all(), public_id=domain_id)
