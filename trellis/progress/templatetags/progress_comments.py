"""`{% comment_thread action as thread %}`: the action's challenge thread as the viewer
(the `membership` in the context) sees it, with the add-comment form when they may add
to it. Used by progress/comment_thread.html."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import template

from trellis.plans.models import Action
from trellis.progress.comments import Thread, comment_thread
from trellis.progress.views.comments import CommentForm

register = template.Library()


@register.simple_tag(name="comment_thread", takes_context=True)
def comment_thread_tag(context: dict[str, Any], action: Action) -> Thread:
    thread = comment_thread(action, context.get("membership"))
    if not thread.can_add:
        return thread
    return dataclasses.replace(thread, form=CommentForm(action=action))
