"""Keyed pseudonyms for children's case identifiers.

A partnership's key is derived from one secret (never stored in the database) and the
partnership's permanent slug, so the same child gets the same pseudonym in every upload of
that partnership, a different one in any other partnership, and the same one again after a
backup is restored on another server with the same secret. A pseudonym is HMAC-SHA-256 of
the trimmed, upper-cased identifier under that key: without the secret it cannot be
reversed or recomputed from a guess of the identifier.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

# Bound into the derivation so a key made here is never valid for another purpose.
_PURPOSE = b"trellis/child-pseudonym/v1:"
PSEUDONYM_LENGTH = 32  # hex characters: 128 bits, far from any collision in a nation's children


def partnership_key(secret: str, slug: str) -> bytes:
    """The partnership's key: HMAC-SHA-256 of its permanent slug under the secret."""
    if not secret:
        raise ValueError("The pseudonym secret is empty.")
    return hmac.new(secret.encode(), _PURPOSE + slug.encode(), hashlib.sha256).digest()


def normalise(identifier: str) -> str:
    return identifier.strip().upper()


def pseudonym(key: bytes, identifier: str) -> str:
    """The child's pseudonym: the same for " ab12 " and "AB12"."""
    digest = hmac.new(key, normalise(identifier).encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_LENGTH]


def pseudonyms(key: bytes, identifiers: Iterable[str | None]) -> list[str | None]:
    """Pseudonyms of a column of identifiers (None stays None), computed once per distinct
    identifier, since a child appears on many rows."""
    seen: dict[str, str] = {}
    out: list[str | None] = []
    for identifier in identifiers:
        if identifier is None:
            out.append(None)
            continue
        found = seen.get(identifier)
        if found is None:
            found = seen[identifier] = pseudonym(key, identifier)
        out.append(found)
    return out
