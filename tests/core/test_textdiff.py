from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from trellis.core.textdiff import Piece, new_text, old_text, word_diff

texts = st.text(alphabet=st.sampled_from("ab c\n\t<&"), max_size=40)


def test_a_changed_word_shows_as_removed_then_added() -> None:
    assert word_diff("Training starts in May", "Training starts in June") == [
        Piece("same", "Training starts in "),
        Piece("removed", "May"),
        Piece("added", "June"),
    ]


def test_identical_texts_have_no_changes() -> None:
    assert word_diff("Same text\nhere", "Same text\nhere") == [Piece("same", "Same text\nhere")]


@given(texts, texts)
def test_the_pieces_give_back_both_versions(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert old_text(pieces) == old
    assert new_text(pieces) == new
    assert all(p.text for p in pieces)
    assert all(a.kind != b.kind for a, b in itertools.pairwise(pieces))
