"""The two steps every write service shares: create a record, or change one against the
version the person loaded. Both audit the change in the caller's transaction."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from trellis.audit.services import audit_append, jsonable
from trellis.errors import Conflict, Invalid
from trellis.versioning import Versioned

M = TypeVar("M", bound=Versioned)


def record_create(
    model: type[M], *, actor: Any, verb: str = "", m2m: dict[str, Any] | None = None, **fields: Any
) -> M:
    with transaction.atomic():
        obj = model(**fields)
        obj.updated_by = actor
        _full_clean(obj)
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
        changes = {name: jsonable(getattr(obj, name)) for name in fields}
        changes.update({name: jsonable(set(values)) for name, values in (m2m or {}).items()})
        audit_append(
            actor=actor,
            verb=verb or f"{model._meta.model_name}.create",
            target=obj,
            partnership_id=_partnership_id(obj),
            changes=changes,
        )
    return obj


def record_update(
    obj: M,
    *,
    actor: Any,
    expected_version: int,
    verb: str = "",
    m2m: dict[str, Any] | None = None,
    **fields: Any,
) -> M:
    """Apply `fields` if nobody saved the record since `expected_version`, else Conflict.

    The version check and the write are one UPDATE ... WHERE version = expected, so two
    people saving at once cannot both succeed.
    """
    model = type(obj)
    with transaction.atomic():
        # Read "before" from the database: a ModelForm has already copied its input onto obj.
        stored = model._default_manager.filter(pk=obj.pk).first() or obj
        before = {name: jsonable(getattr(stored, name)) for name in fields}
        before.update({name: jsonable(set(getattr(obj, name).all())) for name in (m2m or {})})
        for name, value in fields.items():
            setattr(obj, name, value)
        _full_clean(obj)
        written = model._default_manager.filter(pk=obj.pk, version=expected_version).update(
            **fields, version=F("version") + 1, updated_by=actor, updated_at=timezone.now()
        )
        if not written:
            raise _conflict(model, obj.pk)
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
        obj.refresh_from_db()
        after = {name: jsonable(getattr(obj, name)) for name in fields}
        after.update({name: jsonable(set(values)) for name, values in (m2m or {}).items()})
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        audit_append(
            actor=actor,
            verb=verb or f"{model._meta.model_name}.update",
            target=obj,
            partnership_id=_partnership_id(obj),
            changes=changes,
        )
    return obj


def _full_clean(obj: models.Model) -> None:
    """Model rules (such as a unique name) as Invalid, so pages show them as form errors."""
    try:
        obj.full_clean(exclude=["updated_by"])
    except ValidationError as exc:
        raise Invalid("The record breaks a rule.", exc.message_dict) from exc


def _conflict(model: type[models.Model], pk: Any) -> Conflict:
    current = model._default_manager.select_related("updated_by").get(pk=pk)
    who = str(current.updated_by) if current.updated_by else "someone"  # type: ignore[attr-defined]
    return Conflict(
        "This record was changed by someone else after you opened it.",
        changed_by=who,
        changed_at=current.updated_at,  # type: ignore[attr-defined]
        current=current,
    )


def _partnership_id(obj: models.Model) -> int | None:
    if hasattr(obj, "partnership_id"):
        return obj.partnership_id
    return None
