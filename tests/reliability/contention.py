"""C1's judgement, shared by tests/reliability/test_contention.py (test client, a few
threads) and benchmarks/reliability/c1_contention.py (HTTP, K × M rounds): compare what
each save was told with the update's revision history."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

TOKEN = re.compile(r"\[(c1-[0-9a-f]{32})\]")
HIDDEN = re.compile(r'name="(csrfmiddlewaretoken|version)" value="([^"]*)"')
CONFLICT_TEXT = "after you opened it. Your changes have not been saved."


def judge(results: list[dict[str, Any]], history: Iterable[str]) -> dict[str, Any]:
    """`results`: one dict a save, {"token", "base" (the version the form carried),
    "status", "told" (a 409 said someone else saved first)}; `history`: the narrative of
    each revision. A lost update is a save told it succeeded whose text is not in the
    history, or one of two saves both accepted on the same version."""
    in_history: dict[str, int] = {}
    for narrative in history:
        for token in TOKEN.findall(narrative):
            in_history[token] = in_history.get(token, 0) + 1
    accepted = [r for r in results if r["status"] == 302]
    conflicts = [r for r in results if r["status"] == 409]
    bases = [r["base"] for r in accepted]
    missing = [r["token"] for r in accepted if r["token"] not in in_history]
    refused = {r["token"] for r in results if r["status"] != 302}
    return {
        "rounds": len(results),
        "accepted": len(accepted),
        "conflicts (409)": len(conflicts),
        "conflicts telling the person": sum(bool(r["told"]) for r in conflicts),
        "other answers": sorted({r["status"] for r in results} - {302, 409}),
        "history rows from the run": sum(in_history.values()),
        "lost updates": len(missing) + (len(bases) - len(set(bases))),
        "refused saves found in history": len(refused & set(in_history)),
    }
