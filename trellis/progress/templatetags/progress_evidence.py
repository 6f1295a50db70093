"""`{% evidence_for update as listing %}`: the update's evidence as the viewer (the
`membership` in the context) may see it; `|web_link`: a link's address, only when it is a
web address. Used by progress/evidence_list.html."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.validators import URLValidator

from trellis.progress.evidence import EvidenceListing, evidence_for
from trellis.progress.models import ProgressUpdate

register = template.Library()


@register.simple_tag(name="evidence_for", takes_context=True)
def evidence_for_tag(context: dict[str, Any], update: ProgressUpdate) -> EvidenceListing:
    return evidence_for(update, context.get("membership"))


@register.filter
def web_link(url: str) -> str:
    """The address when its scheme is one the link field accepts (http, https, ftp, ftps),
    else "". The form refuses any other, but a record can arrive by other roads (a restored
    backup), and a `javascript:` address in an href would run script."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    return url if scheme in URLValidator.schemes else ""
