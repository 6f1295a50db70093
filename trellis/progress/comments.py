"""Challenge: board members and plan owners comment on an action (or on one of its
updates), its lead and deputies reply. Comments are never deleted and never edited
silently: each edit keeps the earlier text as a revision. The people in a thread are
e-mailed when someone adds to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership, Person, Role
from trellis.accounts.policy import Perm, can, require
from trellis.errors import Forbidden, Invalid
from trellis.plans.models import Action
from trellis.progress.models import Comment, CommentRevision, ProgressUpdate
from trellis.progress.services import clean_narrative
from trellis.writes import record_create, record_update

BODY_MAX = 10_000  # characters: a long challenge fits, a pasted report does not
SUBJECT_TITLE_MAX = 60


# Reads.


def comments_queryset(partnership_id: int) -> QuerySet[Comment]:
    """Comments with what the thread shows: author, the update's period, how many earlier
    versions, and the author's membership here (for agency and role) as
    `author.memberships_here`. Two queries however many comments."""
    return (
        Comment.objects.filter(partnership_id=partnership_id)
        .select_related("author", "update__period")
        .annotate(revision_count=Count("revisions"))
        .prefetch_related(
            Prefetch(
                "author__memberships",
                queryset=Membership.objects.filter(partnership_id=partnership_id).select_related(
                    "agency"
                ),
                to_attr="memberships_here",
            )
        )
    )


def comments_prefetch(partnership_id: int) -> Prefetch:
    """For an action's selector: its thread, ready to show."""
    return Prefetch("comments", queryset=comments_queryset(partnership_id))


def may_edit_comment(membership: Membership | None, comment: Comment) -> bool:
    """Only the author edits, and only while they may see the partnership."""
    return can(membership, Perm.VIEW, comment) and (
        membership is not None and comment.author_id == membership.person_id
    )


def _here(person: Person) -> Membership | None:
    """The author's membership of this partnership, from `comments_queryset`."""
    here = getattr(person, "memberships_here", None)
    return here[0] if here else None


def thread_role(action: Action, person_id: int, roles: list[str]) -> str:
    """A person's part in the thread, in words: the action's lead or deputy first (they
    reply), else the role that lets them challenge."""
    if action.lead_id == person_id:
        return _("Lead")
    if any(d.pk == person_id for d in action.deputies.all()):
        return _("Deputy")
    if Role.OWNER in roles:
        return _("Plan owner")
    if Role.BOARD in roles:
        return _("Board member")
    return ""


@dataclass(frozen=True)
class ThreadItem:
    comment: Comment
    role: str
    agency: str
    can_edit: bool


@dataclass(frozen=True)
class Thread:
    items: list[ThreadItem]
    can_add: bool
    form: Any = None  # the add-comment form, set by the page that shows it


def comment_thread(action: Action, membership: Membership | None) -> Thread:
    """The action's comments in order, as this person sees them (uses the prefetched
    `comments` from `comments_prefetch` when the caller has them)."""
    if "comments" in getattr(action, "_prefetched_objects_cache", {}):
        comments = list(action.comments.all())
    else:
        comments = list(comments_queryset(action.partnership_id).filter(action=action))
    items = []
    for c in comments:
        here = _here(c.author)
        items.append(
            ThreadItem(
                comment=c,
                role=thread_role(action, c.author_id, here.roles if here else []),
                agency=str(here.agency) if here and here.agency else "",
                can_edit=may_edit_comment(membership, c),
            )
        )
    return Thread(items=items, can_add=can(membership, Perm.CHALLENGE, action))


# Writes.


def _clean_body(body: str) -> str:
    body = clean_narrative(body)
    if not body:
        raise Invalid(_("Enter your comment."), {"body": [_("Enter your comment.")]})
    if len(body) > BODY_MAX:
        message = _("Keep your comment to %(max)s characters or fewer.") % {"max": f"{BODY_MAX:,}"}
        raise Invalid(message, {"body": [message]})
    return body


def comment_add(
    *,
    membership: Membership,
    action: Action,
    body: str,
    update: ProgressUpdate | None = None,
    base_url: str | None = None,
) -> Comment:
    """Add a comment (or a reply) to the action's thread, and e-mail the people in it once
    the comment is saved. `base_url` starts the link in the e-mail (the request's address,
    or TRELLIS_BASE_URL when none is given)."""
    require(membership, Perm.CHALLENGE, action)
    body = _clean_body(body)
    if update is not None and update.action_id != action.pk:
        message = _("Choose an update of this improvement aim.")
        raise Invalid(message, {"update": [message]})
    with transaction.atomic():
        comment = record_create(
            Comment,
            actor=membership.person,
            verb="comment.add",
            partnership_id=action.partnership_id,
            action=action,
            update=update,
            author=membership.person,
            body=body,
        )
        emails = [p.email for p in thread_people(action, exclude=membership.person)]
        link = (base_url or settings.TRELLIS_BASE_URL).rstrip("/") + reverse(
            "plans:action-detail", args=[membership.partnership.slug, action.pk]
        )
        notification = _notification(comment, action, membership, link)
        transaction.on_commit(lambda: _send(notification, emails))
    return comment


def comment_edit(
    *, membership: Membership, comment: Comment, body: str, expected_version: int
) -> Comment:
    """Change the comment's text, by its author, if nobody saved it since the version they
    loaded. The earlier text is kept as a revision and the comment shows as edited."""
    if not may_edit_comment(membership, comment):
        raise Forbidden(_("Only the person who wrote a comment can edit it."))
    body = _clean_body(body)
    with transaction.atomic():
        stored = Comment.objects.get(pk=comment.pk)
        if stored.version == expected_version and stored.body == body:
            return stored  # nothing changed: no revision, no "Edited"
        if stored.version == expected_version:
            # Only kept if the guarded write below succeeds (same transaction).
            CommentRevision.objects.create(
                comment=stored, body=stored.body, by_id=stored.author_id, at=stored.updated_at
            )
        return record_update(
            comment,
            actor=membership.person,
            verb="comment.edit",
            expected_version=expected_version,
            body=body,
            edited=True,
        )


# Notifications.


def thread_people(action: Action, *, exclude: Person) -> list[Person]:
    """The action's lead and deputies and everyone who has commented on it, once each,
    who are still active members of the partnership, apart from `exclude`."""
    ids = {action.lead_id, *action.deputies.values_list("pk", flat=True)}
    ids |= set(Comment.objects.filter(action=action).values_list("author_id", flat=True))
    ids -= {None, exclude.pk}
    return list(
        Person.objects.filter(
            pk__in=ids,
            is_active=True,
            memberships__partnership_id=action.partnership_id,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


@dataclass(frozen=True)
class Notification:
    subject: str
    body: str


def _notification(
    comment: Comment, action: Action, membership: Membership, link: str
) -> Notification:
    title = " ".join(action.title.split())  # no line breaks in a header
    role = thread_role(action, membership.person_id, membership.roles) or _("Member")
    about = (
        _(" about the update for %(period)s") % {"period": comment.update.period.label}
        if comment.update is not None
        else ""
    )
    return Notification(
        subject=_("New challenge on: %(title)s")
        % {"title": Truncator(title).chars(SUBJECT_TITLE_MAX)},
        body=_(
            "%(author)s (%(role)s) commented on “%(title)s”%(about)s:\n\n"
            "%(body)s\n\n"
            "Read the thread and reply at:\n%(link)s\n"
        )
        % {
            "author": membership.person,
            "role": role,
            "title": title,
            "about": about,
            "body": comment.body,
            "link": f"{link}#comments",
        },
    )


def _send(message: Notification, emails: list[str]) -> None:
    """One e-mail to each person (nobody sees who else was told), over one connection."""
    if emails:
        send_mass_mail([(message.subject, message.body, None, [e]) for e in emails])
