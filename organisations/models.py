"""Tenancy: users, organisations, memberships, departments, invitations, audit.

Views never query these models directly for tenant data: ``organisations.access``
is the one path that resolves an organisation from the URL and the objects in it.
"""

import base64
import hashlib
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .changes import TrackedQuerySet


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True,
        help_text=_("The language of the interface, emails and reports."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    # Signed up, address never verified: no account yet (it cannot sign in; a new
    # sign-up or an accepted invitation of the address takes it over).
    PENDING = models.Q(is_active=False, last_login__isnull=True)

    @property
    def is_pending(self) -> bool:
        return not self.is_active and self.last_login is None

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    CONSULTANT = "consultant", _("Consultant")
    MANAGER = "manager", _("Service manager")
    VIEWER = "viewer", _("Executive (read-only)")


class Organisation(models.Model):
    """The tenant. A client organisation may have a consultancy as its parent."""

    class Kind(models.TextChoices):
        CONSULTANCY = "consultancy", _("Consultancy")
        ORGANISATION = "organisation", _("Organisation")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True,
                                 editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices,
                            default=Kind.ORGANISATION)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="clients",
        limit_choices_to={"kind": "consultancy"}, verbose_name=_("consultancy"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # White label (organisations.branding): each empty field is inherited from the
    # consultancy, else the product's own. Changed only by services.branding_update,
    # which checks the logo and the colour's contrast.
    # (A database default too: rows written without these columns, by a migration's
    # historical model or a process not yet updated, are simply unbranded.)
    brand_name = models.CharField(_("display name"), max_length=60, blank=True,
                                  default="", db_default="")
    brand_colour = models.CharField(_("primary colour"), max_length=7, blank=True,
                                    default="", db_default="")
    brand_footer = models.CharField(_("footer line"), max_length=200, blank=True,
                                    default="", db_default="")
    brand_logo = models.CharField(_("logo file"), max_length=120, blank=True,
                                  default="", db_default="", editable=False)

    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_consultancy(self) -> bool:
        return self.kind == self.Kind.CONSULTANCY

    def clean(self):
        super().clean()
        if self.parent_id is not None:
            if self.kind == self.Kind.CONSULTANCY:
                raise ValidationError(_("A consultancy cannot be the client of another one."))
            if self.parent.kind != self.Kind.CONSULTANCY or self.parent.parent_id is not None:
                raise ValidationError(_("Only a consultancy can have client organisations."))


class ChangeStamp(models.Model):
    """The organisation's change stamp (``organisations.changes``): replaced whenever
    something shown from the organisation's data changes."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE,
                                        primary_key=True, related_name="+")
    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        verbose_name = _("change stamp")
        verbose_name_plural = _("change stamps")

    def __str__(self) -> str:
        return str(self.token)


class Membership(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True,
                                 editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships", verbose_name=_("user"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="memberships",
                                     verbose_name=_("organisation"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = TrackedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org"),
        ]
        ordering = ["organisation__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.role})"


class Department(models.Model):
    """A service department of an organisation (IT, HR, facilities, …)."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True,
                                 editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="departments",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"],
                                    name="department_name_unique_in_org"),
        ]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


def hash_token(token: str) -> str:
    """Tokens are stored only as their SHA-256; a database leak reveals no link."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_for_secret(secret: str, *, salt: str) -> str:
    """The link token derived from a stored ``secret`` and the SECRET_KEY, so that a
    worker can email a link made in a request while the database alone reveals none."""
    digest = salted_hmac(salt, secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Invitation(models.Model):
    """A personal link that makes its holder a member of one organisation."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True,
                                 editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="invitations",
                                     verbose_name=_("organisation"))
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default="en")
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("accepted by"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The link's token is derived from this and the SECRET_KEY
    # (``services.invitation_token``), so that the worker that emails it can.
    link_secret = models.CharField(max_length=64, blank=True, editable=False)
    # Asked for in a request and not emailed yet: a worker sends it after the commit
    # (``services.invitation_emails_send``); the sent email's ``emailed_at`` is the
    # moment it was asked for.
    email_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TrackedQuerySet.as_manager()

    STATUS_LABELS = {
        "pending": _("Pending"),
        "accepted": _("Accepted"),
        "revoked": _("Revoked"),
        "expired": _("Expired"),
    }

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @staticmethod
    def pending(now=None) -> models.Q:
        """Invitations that can still be accepted: neither accepted nor revoked, and not
        expired at ``now`` (default: the database's clock). ``status`` says the same of
        one invitation."""
        return models.Q(accepted_at__isnull=True, revoked_at__isnull=True,
                        expires_at__gt=Now() if now is None else now)

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    def get_status_display(self) -> str:
        return self.STATUS_LABELS[self.status]

    @property
    def email_pending(self) -> bool:
        """Its email was asked for and has not gone out yet (a worker sends it while the
        invitation is pending)."""
        return self.email_due_at is not None and self.status == "pending"


class AuditEvent(models.Model):
    """Who did what, when (UTC), in which organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="audit_events",
                                     verbose_name=_("organisation"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("who"))
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target = models.CharField(pgettext_lazy("what an audited action was done to", "target"),
                              max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"
