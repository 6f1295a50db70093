"""Two-step sign-in: a time-based code from an authenticator app (TOTP, RFC 6238, through
pyotp), with single-use recovery codes for a lost phone.

Who must use it: in production (`TRELLIS_MFA_REQUIRED`, which is on exactly when
TRELLIS_MODE is production) everyone but the demo's shared accounts; elsewhere only people
who set it up, so development sign-ins and tests keep working.

What is stored: the TOTP secret is sealed with AES-GCM under a key derived from
SECRET_KEY (bound to the person's id, so a sealed secret copied onto another account does
not open), because a database dump alone must not let anyone mint codes. Recovery codes are
kept only as keyed hashes. SECRET_KEY_FALLBACKS still open both after a key rotation.

Guessing: each wrong code doubles the wait before the next attempt (1, 2, 4 ... 60 s), and
after TRELLIS_SIGN_IN_MAX_FAILURES wrong codes inside the sign-in window the account waits
out the same cool-off as the password throttle. Counted per account, not per address: the
guesser already holds the password, so spreading guesses over addresses must not help.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import CodeFailure, Membership, MfaDevice, Person, RecoveryCode
from trellis.accounts.policy import Perm, require
from trellis.audit.services import audit_append
from trellis.errors import Invalid
from trellis.startup import DEMO_DOMAIN

logger = logging.getLogger("trellis.security")
ISSUER = "Trellis"
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: codes are read off paper. 12 characters of 31 are about 59 bits.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12
MAX_DELAY_SECONDS = 60
_SEAL_VERSION = "v1"


class MfaKeyError(Exception):
    """A sealed secret that no current or fallback SECRET_KEY opens."""


# Policy


def is_demo_account(person: Person) -> bool:
    return person.email.lower().endswith("@" + DEMO_DOMAIN)


def device_of(person: Person) -> MfaDevice | None:
    return MfaDevice.objects.filter(person=person).first()


def mfa_required(person: Person) -> bool:
    """Whether signing in needs a second step (set up now if it is not yet)."""
    if MfaDevice.objects.filter(person=person).exists():
        return True
    if is_demo_account(person):
        return False  # shared, published sign-ins: a phone would lock the others out
    return bool(settings.TRELLIS_MFA_REQUIRED)


# Sealing the secret and hashing recovery codes


def _derived(secret_key: str, purpose: str) -> bytes:
    return hmac.new(
        secret_key.encode(), f"trellis.accounts.mfa.{purpose}".encode(), hashlib.sha256
    ).digest()


def _secret_keys() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def seal(person_id: int, secret: str) -> str:
    nonce = secrets.token_bytes(12)
    box = AESGCM(_derived(settings.SECRET_KEY, "seal"))
    sealed = box.encrypt(nonce, secret.encode(), str(person_id).encode())
    return f"{_SEAL_VERSION}:" + base64.b64encode(nonce + sealed).decode()


def unseal(person_id: int, sealed: str) -> str:
    version, _sep, body = sealed.partition(":")
    if version != _SEAL_VERSION:
        raise MfaKeyError("unknown seal version")
    raw = base64.b64decode(body)
    for key in _secret_keys():
        try:
            plain = AESGCM(_derived(key, "seal")).decrypt(
                raw[:12], raw[12:], str(person_id).encode()
            )
        except InvalidTag:
            continue
        return plain.decode()
    raise MfaKeyError("no SECRET_KEY opens this secret")


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_digests(code: str) -> list[str]:
    plain = normalise_code(code).encode()
    return [
        hmac.new(_derived(k, "recovery"), plain, hashlib.sha256).hexdigest() for k in _secret_keys()
    ]


def _new_recovery_code() -> str:
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(chars[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


# Enrolment


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(person: Person, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=person.email, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, at: dt.datetime) -> int | None:
    """The time step (this one or either neighbour, for clock drift) whose code this is."""
    code = normalise_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(at)
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enrol(person: Person, secret: str, code: str) -> list[str]:
    """Keep the new authenticator once `code` from it checks out (replacing any earlier
    one), issue fresh recovery codes and return them: the only time they are readable."""
    if is_demo_account(person):
        raise Invalid(_("Demo accounts are shared, so they cannot use two-step sign-in."))
    step = _matching_step(secret, code, timezone.now())
    if step is None:
        message = _("The code does not match. Check the key was entered correctly and try again.")
        raise Invalid(message, {"code": [message]})
    with transaction.atomic():
        replaced = MfaDevice.objects.filter(person=person).delete()[0] > 0
        MfaDevice.objects.create(
            person=person,
            secret=seal(person.pk, secret),
            enrolled_at=timezone.now(),
            last_step=step,
        )
        codes = _replace_recovery_codes(person)
        audit_append(
            actor=person,
            verb="mfa.enrol",
            target=person,
            changes={"replaced": replaced, "recovery_codes": len(codes)},
        )
    return codes


def _replace_recovery_codes(person: Person) -> list[str]:
    RecoveryCode.objects.filter(person=person).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(person=person, digest=_code_digests(c)[0]) for c in codes
    )
    return codes


def recovery_codes_renew(person: Person) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if device_of(person) is None:
        raise Invalid(_("Set up an authenticator app first."))
    with transaction.atomic():
        codes = _replace_recovery_codes(person)
        audit_append(actor=person, verb="mfa.recovery-codes", target=person)
    return codes


def recovery_codes_left(person: Person) -> int:
    return RecoveryCode.objects.filter(person=person, used_at=None).count()


# Checking a code at sign-in


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    wait_seconds: int = 0  # > 0: refused unseen, the account must wait this long
    recovery_used: bool = False


def wait_before_next(person: Person) -> int:
    """Seconds the account must wait before a code is looked at, 0 when it may try now."""
    now = timezone.now()
    window = dt.timedelta(seconds=settings.TRELLIS_SIGN_IN_WINDOW_SECONDS)
    cool_off = dt.timedelta(seconds=settings.TRELLIS_SIGN_IN_COOL_OFF_SECONDS)
    limit = settings.TRELLIS_SIGN_IN_MAX_FAILURES
    recent = list(
        CodeFailure.objects.filter(person=person, at__gte=now - window - cool_off)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if not recent:
        return 0
    newest = recent[0]
    if len(recent) >= limit and newest - recent[-1] <= window:
        due = newest + cool_off
    else:
        in_window = sum(1 for at in recent if at >= now - window)
        due = newest + dt.timedelta(seconds=min(2 ** max(in_window - 1, 0), MAX_DELAY_SECONDS))
    return max(0, int((due - now).total_seconds() + 0.999))


def check_code(person: Person, code: str, ip: str | None) -> CodeCheck:
    """Accept a current authenticator code (each works once) or an unused recovery code,
    unless the account is waiting out a wrong guess; record failures."""
    wait = wait_before_next(person)
    if wait:
        return CodeCheck(accepted=False, wait_seconds=wait)
    device = device_of(person)
    if device is not None and _accept_totp(device, code):
        CodeFailure.objects.filter(person=person).delete()
        return CodeCheck(accepted=True)
    if _use_recovery_code(person, code):
        CodeFailure.objects.filter(person=person).delete()
        return CodeCheck(accepted=True, recovery_used=True)
    CodeFailure.objects.create(person=person, ip_address=ip, at=timezone.now())
    CodeFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(days=1)).delete()
    return CodeCheck(accepted=False)


def _accept_totp(device: MfaDevice, code: str) -> bool:
    try:
        secret = unseal(device.person_id, device.secret)
    except MfaKeyError:
        # SECRET_KEY changed without the old one in SECRET_KEY_FALLBACKS: no code can be
        # checked until an admin resets this person's app. Refuse; never a server error.
        logger.error(
            "mfa secret of person %s does not open: check SECRET_KEY_FALLBACKS", device.person_id
        )
        return False
    step = _matching_step(secret, code, timezone.now())
    if step is None:
        return False
    # Only a step later than the last accepted one: the same code twice (or a race of two
    # requests carrying it) gets one success.
    return MfaDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step) == 1


def _use_recovery_code(person: Person, code: str) -> bool:
    if len(normalise_code(code)) != _CODE_LENGTH:
        return False
    with transaction.atomic():
        used = RecoveryCode.objects.filter(
            person=person, digest__in=_code_digests(code), used_at=None
        ).update(used_at=timezone.now())
        if used:
            audit_append(
                actor=person,
                verb="mfa.recovery-used",
                target=person,
                changes={"left": recovery_codes_left(person)},
            )
    return used > 0


# Administration


def mfa_reset(*, membership: Membership, target: Membership) -> None:
    """An admin removes a member's authenticator and recovery codes (a lost phone): their
    next sign-in sets up a new one (in production) or needs none."""
    require(membership, Perm.MANAGE_PEOPLE, target)
    if target.person_id == membership.person_id:
        raise Invalid(_("You cannot reset your own two-step sign-in; ask another admin."))
    with transaction.atomic():
        had_device = MfaDevice.objects.filter(person_id=target.person_id).delete()[0] > 0
        RecoveryCode.objects.filter(person_id=target.person_id).delete()
        CodeFailure.objects.filter(person_id=target.person_id).delete()
        audit_append(
            actor=membership.person,
            verb="person.mfa-reset",
            target=target,
            partnership_id=membership.partnership_id,
            changes={"person": target.person_id, "had_device": had_device},
        )
