"""Pages for challenge: add a comment to an action's thread, edit your own, and read a
comment's earlier versions. The rules are the services' (trellis.progress.comments)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, require
from trellis.errors import Forbidden, NotFound
from trellis.forms import VersionedForm
from trellis.plans.models import Action
from trellis.plans.selectors import get_scoped
from trellis.progress.comments import comment_add, comment_edit, may_edit_comment
from trellis.progress.models import Comment, ProgressUpdate
from trellis.views import form_page, partnership_view

FORM_METHODS = ["GET", "POST"]
BODY_LABEL = gettext_lazy("Your comment")
BODY_HINT = gettext_lazy(
    "Plain text. Everyone who can see this improvement aim can read it. The lead, deputies "
    "and others in the thread are e-mailed."
)


class UpdateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("The update for %(period)s") % {"period": obj.period.label}


class CommentForm(VersionedForm):
    """A new comment: its text, and optionally the update it is about."""

    class Meta:
        model = Comment
        fields = ["update", "body"]
        field_classes = {"update": UpdateChoiceField}
        labels = {"update": gettext_lazy("About"), "body": BODY_LABEL}
        help_texts = {"body": BODY_HINT}
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["update"])
        field.queryset = (
            ProgressUpdate.objects.filter(action=action)
            .select_related("period")
            .order_by("period__starts")
        )
        field.empty_label = _("The improvement aim as a whole")
        if not self.is_bound and not field.queryset.exists():
            del self.fields["update"]  # nothing to choose between yet


class CommentEditForm(VersionedForm):
    class Meta:
        model = Comment
        fields = ["body"]
        labels = {"body": BODY_LABEL}
        help_texts = {"body": BODY_HINT}
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}


def _comment(membership: Membership, pk: int) -> Comment:
    comment = (
        Comment.objects.select_related("action", "author", "update__period")
        .filter(partnership_id=membership.partnership_id, pk=pk)
        .first()
    )
    if comment is None:
        raise NotFound()
    return comment


def _action_url(membership: Membership, action_pk: int) -> str:
    return reverse("plans:action-detail", args=[membership.partnership.slug, action_pk])


@require_http_methods(FORM_METHODS)
@partnership_view()
def comment_add_page(request: HttpRequest, action_pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    action = get_scoped(Action, membership.partnership, action_pk)
    require(membership, Perm.CHALLENGE, action)
    back_url = _action_url(membership, action.pk)

    def save(form: VersionedForm) -> Comment:
        return comment_add(
            membership=membership,
            action=action,
            body=form.cleaned_data["body"],
            update=form.cleaned_data.get("update"),
            base_url=request.build_absolute_uri("/"),
        )

    return form_page(
        request,
        make_form=lambda data, instance: CommentForm(data, instance=instance, action=action),
        save=save,
        title=_("Add a comment"),
        back_url=back_url,
        success_url=lambda comment: f"{back_url}#comment-{comment.pk}",
        context={"action": action},
        template="progress/comment_form.html",
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def comment_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    comment = _comment(membership, pk)
    if not may_edit_comment(membership, comment):
        raise Forbidden(_("Only the person who wrote a comment can edit it."))
    back_url = _action_url(membership, comment.action_id)

    def save(form: VersionedForm) -> Comment:
        return comment_edit(
            membership=membership,
            comment=comment,
            body=form.cleaned_data["body"],
            expected_version=form.expected_version(),
        )

    return form_page(
        request,
        make_form=lambda data, instance: CommentEditForm(data, instance=instance),
        instance=comment,
        save=save,
        title=_("Edit your comment"),
        back_url=back_url,
        success_url=lambda saved: f"{back_url}#comment-{saved.pk}",
        context={"action": comment.action},
        template="progress/comment_form.html",
    )


@require_GET
@partnership_view()
def comment_history(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    comment = _comment(membership, pk)
    revisions = list(comment.revisions.select_related("by"))
    return render(
        request,
        "progress/comment_history.html",
        {
            "comment": comment,
            "earlier": list(reversed(list(enumerate(revisions, start=1)))),
            "current_number": len(revisions) + 1,
            "back_url": _action_url(membership, comment.action_id),
        },
    )


P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "actions/<int:action_pk>/comments/new/", comment_add_page, name="comment-add"),
    path(P + "comments/<int:pk>/edit/", comment_edit_page, name="comment-edit"),
    path(P + "comments/<int:pk>/history/", comment_history, name="comment-history"),
]
