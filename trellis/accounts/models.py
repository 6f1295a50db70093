from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.versioning import Versioned


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    OWNER = "owner", _("Plan owner")
    LEAD = "lead", _("Lead")
    ANALYST = "analyst", _("Analyst")
    BOARD = "board", _("Board member")
    INSPECTOR = "inspector", _("Inspector")


class Nation(models.TextChoices):
    SCOTLAND = "scotland", _("Scotland")
    ENGLAND = "england", _("England")
    WALES = "wales", _("Wales")
    NORTHERN_IRELAND = "northern-ireland", _("Northern Ireland")


class Partnership(Versioned):
    """The tenant: the agencies of one council area working as one partnership."""

    name = models.CharField(_("name"), max_length=200)
    # Permanent: later issues derive per-partnership keys from it.
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    nation = models.CharField(_("nation"), max_length=20, choices=Nation.choices)
    # Disclosure control of figures about children shown to anyone but analysts
    # (trellis.core.disclosure): counts below this are hidden, and shares of fewer.
    disclosure_min_count = models.PositiveSmallIntegerField(_("smallest count shown"), default=5)
    disclosure_min_denominator = models.PositiveSmallIntegerField(
        _("smallest denominator of a share shown"), default=10
    )

    def __str__(self) -> str:
        return self.name


class Agency(Versioned):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="agencies")
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "name"], name="agency_unique_name")
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class PersonManager(BaseUserManager["Person"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> Person:
        person = self.model(email=self.normalize_email(email).lower(), **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person


class Person(AbstractBaseUser):
    """Someone who signs in. Roles live on memberships, per partnership."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)
    # Sessions signed in before this are ended on their next request (an admin's
    # "sign out everywhere"; trellis.accounts.middleware).
    sessions_ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    digest_frequency = models.CharField(
        _("reminder e-mails"),
        max_length=10,
        choices=[
            ("daily", _("Daily")),
            ("weekly", _("Weekly (Mondays)")),
            ("off", _("Only when something is overdue")),
        ],
        default="daily",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    objects = PersonManager()

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email


class Group(Versioned):
    """A governance body: chief officer group, ICS board, child protection committee..."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    chair = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="chaired_groups"
    )
    members = models.ManyToManyField(
        Person, blank=True, related_name="governance_groups", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "name"], name="group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(Versioned):
    """A person's place in one partnership: the agency they belong to there and their roles."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    roles = models.JSONField(_("roles"), default=list)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "partnership"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.partnership}"

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in Role.values if r in self.roles]


class SignInFailure(models.Model):
    """A failed sign-in, kept briefly to throttle guessing by account and address."""

    email = models.CharField(max_length=254)
    ip_address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["email", "ip_address", "at"])]

    def __str__(self) -> str:
        return f"failed sign-in at {self.at:%Y-%m-%d %H:%M}"


class RateEvent(models.Model):
    """One counted request of a rate-limited kind (an upload, a download of case-level
    records, a report build) by a person: kept for the window, in the database so every
    worker process counts the same requests (trellis/accounts/limits.py)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=40)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "action", "at"])]

    def __str__(self) -> str:
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"


class MfaDevice(models.Model):
    """A person's authenticator app (TOTP, RFC 6238): its secret, encrypted with a key
    derived from SECRET_KEY (trellis.accounts.mfa), and the last time step accepted, so a
    code works once. Saved only once the person has typed a code from it: until then the
    new secret waits, sealed, in their session."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="mfa_device")
    secret = models.TextField()  # "v1:" + base64(nonce + AES-GCM ciphertext)
    enrolled_at = models.DateTimeField()
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"authenticator of person {self.person_id}"


class RecoveryCode(models.Model):
    """A single-use code for signing in without the authenticator app. Only a keyed hash
    is kept; the codes themselves are shown once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "digest"])]

    def __str__(self) -> str:
        return f"recovery code of person {self.person_id}"


class CodeFailure(models.Model):
    """A wrong second-factor code, kept briefly to slow guessing (trellis.accounts.mfa)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    ip_address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"wrong code at {self.at:%Y-%m-%d %H:%M}"


class SsoProvider(models.Model):
    """A partnership's identity provider for single sign-on over OpenID Connect
    (trellis.accounts.sso). At most one per partnership; set by its admins. People are
    matched by e-mail to existing memberships of this partnership; nothing is created."""

    partnership = models.OneToOneField(
        Partnership, on_delete=models.CASCADE, related_name="sso_provider"
    )
    name = models.CharField(_("name shown on the sign-in page"), max_length=80)
    issuer = models.URLField(_("issuer URL"), max_length=300)
    client_id = models.CharField(_("client ID"), max_length=200)
    # Sealed like the MFA secrets: "v1:" + base64(nonce + AES-GCM ciphertext), under a
    # key derived from SECRET_KEY and bound to the partnership's id. Never shown again.
    client_secret = models.TextField(editable=False)
    # Lower-case domains, space-separated; empty means any domain.
    allowed_domains = models.CharField(_("allowed e-mail domains"), max_length=500, blank=True)
    # Use `email` (or `preferred_username`) without `email_verified`: the admin vouches
    # that the provider only issues addresses its organisation owns (Entra ID's case).
    trust_email = models.BooleanField(_("the provider's e-mail addresses are verified"))
    is_enabled = models.BooleanField(_("offer this on the sign-in page"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} for {self.partnership}"

    @property
    def domains(self) -> list[str]:
        return self.allowed_domains.split()
