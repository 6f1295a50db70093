"""The partnership's part of the audit chain: its entries in full, only the links of
everything between, verified up to the head even when another partnership wrote last."""

from __future__ import annotations

import json

import pytest

from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_append
from trellis.backup import chain


def entries_of(segment: chain.Segment) -> list[AuditEntry]:
    # Through the archive's encoding and back, as a restore reads them.
    rows = [json.loads(line) for line in chain.encode(segment.entries)]
    return [chain.decode_entry(row) for row in rows]


@pytest.fixture
def interleaved(db: None) -> chain.Segment:
    audit_append(actor=None, verb="x.before", partnership_id=9, object_type="t")
    for n in range(3):
        audit_append(actor=None, verb="x.own", partnership_id=1, changes={"n": n, "f": 0.1})
        audit_append(actor=None, verb="x.other", partnership_id=2)
    return chain.export_segment(1, None)


def test_the_segment_runs_to_the_head_written_by_another_partnership(
    interleaved: chain.Segment,
) -> None:
    assert [e["verb"] for e in interleaved.entries] == ["x.own"] * 3
    assert len(interleaved.links) == 3  # the other's entries after the first own entry
    assert interleaved.head == AuditEntry.objects.order_by("-id")[0].entry_hash
    chain.verify_segment(entries_of(interleaved), interleaved.links, interleaved.head)


def test_a_missing_link_at_the_end_or_between_is_found(interleaved: chain.Segment) -> None:
    entries = entries_of(interleaved)
    with pytest.raises(chain.ChainBroken, match="recorded head"):
        chain.verify_segment(entries, interleaved.links[:-1], interleaved.head)
    with pytest.raises(chain.ChainBroken, match="previous hash"):
        chain.verify_segment(entries, interleaved.links[1:], interleaved.head)


def test_relinking_gives_a_chain_from_the_start_that_verifies(
    interleaved: chain.Segment,
) -> None:
    entries = entries_of(interleaved)
    head = chain.relink(entries)
    chain.verify_segment(entries, [], head)
    assert entries[0].prev_hash == "0" * 64
