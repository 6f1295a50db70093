"""The IHI progress score a project's state suggests, from 0.5 to 4.5 (as tenths: 5 to 45).

Pure: it takes plain facts, so each state is tested on its own. 5.0 (outstanding,
sustained results) is never suggested: that is the lead's judgement, which they may
confirm at any time, as they may confirm any other score over the suggestion."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class MeasureFact:
    code: str
    improving: bool  # the SPC verdict is "improving"
    early: bool  # ... on fewer figures than a verdict needs
    achieved: bool  # the latest figure meets the target due by then


@dataclass(frozen=True)
class ProjectState:
    approved: bool
    cycles_planned: int
    cycles_done: int  # the "do" step recorded
    cycles_studied: int  # the "study" step recorded
    outcome: tuple[MeasureFact, ...] = ()
    process: tuple[MeasureFact, ...] = ()
    balancing_worse: tuple[str, ...] = field(default=())  # codes of deteriorating ones


@dataclass(frozen=True)
class Suggestion:
    score: int  # tenths
    reason: str
    cautions: tuple[str, ...] = ()


def suggest(state: ProjectState) -> Suggestion:
    cautions = tuple(
        _("Balancing measure %(code)s is deteriorating.") % {"code": code}
        for code in state.balancing_worse
    )
    score, reason = _score(state)
    return Suggestion(score, reason, cautions)


def _score(state: ProjectState) -> tuple[int, str]:
    if not state.approved:
        return 5, _("The charter is not yet approved.")
    if state.cycles_planned == 0:
        return 10, _("The charter is approved; no PDSA cycle is planned yet.")
    if state.cycles_done == 0:
        return 15, _("PDSA cycles are planned; none has been carried out yet.")
    if state.cycles_studied == 0:
        return 20, _("PDSA cycles are under way; none has been studied yet.")
    settled = [m for m in state.outcome if m.improving and not m.early]
    if any(m.achieved for m in settled):
        return 45, _("An outcome measure is improving and has met its target.")
    if settled:
        return 40, _("An outcome measure is improving.")
    if any(m.improving for m in state.outcome):
        return 35, _("An outcome measure shows an early sign of improvement.")
    if any(m.improving and not m.early for m in state.process):
        return 30, _("A process measure is improving; no outcome measure is yet.")
    return 25, _("Changes have been tested; no measure shows improvement yet.")
