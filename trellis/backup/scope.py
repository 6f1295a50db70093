"""Which rows belong to a partnership, found from Django's app registry.

No model is listed by name: a model belongs to a partnership when a chain of foreign keys
leads from it to accounts.Partnership (without passing through a person, who may belong to
several partnerships). A model with no such chain but a chain to accounts.Person (two-step
sign-in devices, recovery codes, API tokens) belongs to the people included. So models that
other apps add later are backed up without this module changing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet

from trellis.accounts.models import Membership, Partnership, Person

# Tables that are not a partnership's content: Django's own bookkeeping (rebuilt by
# `migrate`), transient state (sessions, queued tasks, sign-in throttling, rate limits) and
# the audit log, which travels separately as a chain (trellis/backup/chain.py).
NOT_CONTENT = {
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
    "sessions.session",
    "django_tasks_database.dbtaskresult",
    "accounts.signinfailure",
    "accounts.rateevent",
    "audit.auditentry",
    "audit.auditchainhead",
}
MAX_DEPTH = 6


@dataclass(frozen=True)
class ModelScope:
    """How one model's rows are chosen: through `paths` to a partnership, or to a person."""

    model: type[models.Model]
    paths: tuple[str, ...]
    root: str  # "partnership" or "person"

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


@dataclass
class Scope:
    models: list[ModelScope] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # models no chain reaches


def _paths_to(model: type[models.Model], target: type[models.Model]) -> list[str]:
    """Lookups from `model` to `target` along foreign keys, shortest first; required keys
    are preferred, because a row always has them."""
    found: list[tuple[bool, str]] = []
    queue: deque[tuple[type[models.Model], str, bool, int]] = deque([(model, "", True, 0)])
    while queue:
        current, prefix, required, depth = queue.popleft()
        if depth >= MAX_DEPTH:
            continue
        for fk in current._meta.concrete_fields:
            related = fk.related_model
            if not fk.is_relation or not isinstance(related, type):
                continue
            lookup = f"{prefix}__{fk.name}" if prefix else fk.name
            still_required = required and not fk.null
            if related is target:
                found.append((still_required, lookup))
            elif related not in (Person, Partnership, model, current):
                queue.append((related, lookup, still_required, depth + 1))
    required_paths = [lookup for req, lookup in found if req]
    if required_paths:
        return required_paths[:1]
    return [lookup for _, lookup in found]


def discover() -> Scope:
    scope = Scope()
    scope.models.append(ModelScope(Partnership, ("pk",), "partnership"))
    scope.models.append(ModelScope(Person, ("pk",), "person"))
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in NOT_CONTENT or model in (Partnership, Person) or model._meta.proxy:
            continue
        to_partnership = _paths_to(model, Partnership)
        if to_partnership:
            scope.models.append(ModelScope(model, tuple(to_partnership), "partnership"))
            continue
        to_person = _paths_to(model, Person)
        if to_person:
            scope.models.append(ModelScope(model, tuple(to_person), "person"))
        else:
            scope.left_out.append(label)
    return scope


def _matching(paths: tuple[str, ...], ids: object) -> Q:
    query = Q()
    for path in paths:
        query |= Q(**{f"{path}__in" if path != "pk" else "pk__in": ids})
    return query


def partnership_rows(entry: ModelScope, partnership: Partnership) -> QuerySet[models.Model]:
    manager = entry.model._base_manager
    query = _matching(entry.paths, [partnership.pk])
    return manager.filter(query).distinct().order_by("pk")


def people_of(scope: Scope, partnership: Partnership) -> set[int]:
    """Members, and anyone a row of the partnership names (a former member who wrote an
    update, say), so every foreign key to a person still resolves after a restore."""
    ids = set(
        Membership.objects.filter(partnership=partnership).values_list("person_id", flat=True)
    )
    for entry in scope.models:
        if entry.root != "partnership":
            continue
        rows = partnership_rows(entry, partnership)
        for fk in entry.model._meta.concrete_fields:
            if fk.is_relation and fk.related_model is Person:
                ids.update(
                    v for v in rows.order_by().values_list(fk.attname, flat=True).distinct() if v
                )
    return ids


def rows_for(
    entry: ModelScope, partnership: Partnership, people: set[int]
) -> QuerySet[models.Model]:
    if entry.root == "partnership":
        return partnership_rows(entry, partnership)
    manager = entry.model._base_manager
    return manager.filter(_matching(entry.paths, sorted(people))).distinct().order_by("pk")


def content_tables() -> list[str]:
    """Every table --replace empties: all models but Django's bookkeeping."""
    keep = {"contenttypes.contenttype", "auth.permission", "auth.group", "auth.group_permissions"}
    return [
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.label_lower not in keep and not m._meta.proxy and m._meta.managed
    ]
