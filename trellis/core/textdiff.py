"""A readable difference between two versions of a text, word by word.

The result is a list of pieces, each kept, added or removed; joining the kept and removed
pieces gives the old text back, and the kept and added pieces the new one. Pages escape
each piece and mark the added and removed ones in words as well as by style.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["same", "added", "removed"]


@dataclass(frozen=True)
class Piece:
    kind: Kind
    text: str


def _words(text: str) -> list[str]:
    """Words with the spaces that follow them, so joining the list gives the text back."""
    return re.findall(r"\S+\s*|\s+", text)


def word_diff(old: str, new: str) -> list[Piece]:
    a, b = _words(old), _words(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(pieces, "same", "".join(a[i1:i2]))
            continue
        _add(pieces, "removed", "".join(a[i1:i2]))
        _add(pieces, "added", "".join(b[j1:j2]))
    return pieces


def _add(pieces: list[Piece], kind: Kind, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1].kind == kind:
        pieces[-1] = Piece(kind, pieces[-1].text + text)
    else:
        pieces.append(Piece(kind, text))


def old_text(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.kind != "added")


def new_text(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.kind != "removed")
