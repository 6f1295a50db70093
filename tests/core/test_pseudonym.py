"""Keyed pseudonyms: stable within a partnership, different across partnerships, and never
the identifier itself."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trellis.core.pseudonym import (
    PSEUDONYM_LENGTH,
    normalise,
    partnership_key,
    pseudonym,
    pseudonyms,
)

SECRET = "a-test-secret-of-at-least-thirty-two-characters"


def test_the_same_child_gets_the_same_pseudonym_however_the_id_is_written() -> None:
    key = partnership_key(SECRET, "riverside")
    assert pseudonym(key, " ab1234567 ") == pseudonym(key, "AB1234567")


def test_another_partnership_gives_the_same_child_another_pseudonym() -> None:
    here = pseudonym(partnership_key(SECRET, "riverside"), "AB1234567")
    there = pseudonym(partnership_key(SECRET, "hillside"), "AB1234567")
    assert here != there


def test_another_secret_gives_another_pseudonym() -> None:
    one = pseudonym(partnership_key(SECRET, "riverside"), "AB1234567")
    other = pseudonym(partnership_key(SECRET + "x", "riverside"), "AB1234567")
    assert one != other


def test_the_pseudonym_is_the_keyed_hash_documented() -> None:
    key = hmac.new(
        SECRET.encode(), b"trellis/child-pseudonym/v1:riverside", hashlib.sha256
    ).digest()
    expected = hmac.new(key, b"AB1234567", hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
    assert pseudonym(partnership_key(SECRET, "riverside"), "ab1234567") == expected


def test_a_pseudonym_is_not_a_plain_hash_of_the_identifier() -> None:
    plain = hashlib.sha256(b"AB1234567").hexdigest()[:PSEUDONYM_LENGTH]
    assert pseudonym(partnership_key(SECRET, "riverside"), "AB1234567") != plain


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret is empty"):
        partnership_key("", "riverside")


def test_a_column_keeps_its_gaps_and_order() -> None:
    key = partnership_key(SECRET, "riverside")
    got = pseudonyms(key, ["AB1", None, "ab1", "CD2"])
    assert got == [pseudonym(key, "AB1"), None, pseudonym(key, "AB1"), pseudonym(key, "CD2")]


@given(st.text(min_size=1, max_size=30))
def test_no_pseudonym_contains_its_identifier(identifier: str) -> None:
    key = partnership_key(SECRET, "riverside")
    made = pseudonym(key, identifier)
    assert len(made) == PSEUDONYM_LENGTH
    if len(normalise(identifier)) >= 4:
        assert normalise(identifier) not in made.upper()


@given(st.lists(st.text(alphabet="ABC123", min_size=1, max_size=4), min_size=2, max_size=30))
def test_distinct_identifiers_get_distinct_pseudonyms(identifiers: list[str]) -> None:
    key = partnership_key(SECRET, "riverside")
    distinct = {normalise(i) for i in identifiers}
    assert len({pseudonym(key, i) for i in distinct}) == len(distinct)
