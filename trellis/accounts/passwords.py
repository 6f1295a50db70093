from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Words a guesser would try first against this product.
CONTEXT_WORDS = ("trellis", "partnership", "password", "children", "council", "social work")


class ContextWordsValidator:
    """Refuses passwords that are little more than the product's or a partnership's name."""

    def validate(self, password: str, user: Any = None) -> None:
        from trellis.accounts.models import Agency, Partnership

        folded = "".join(ch for ch in password.casefold() if ch.isalnum())
        words = set(CONTEXT_WORDS)
        words.update(p.casefold() for p in Partnership.objects.values_list("name", flat=True))
        words.update(a.casefold() for a in Agency.objects.values_list("name", flat=True))
        for word in words:
            key = "".join(ch for ch in word if ch.isalnum())
            if key and len(key) >= len(folded) - 4 and key in folded:
                raise ValidationError(
                    _("Your password is too close to the name of this service or partnership."),
                    code="password_context",
                )

    def get_help_text(self) -> str:
        return _("Your password cannot be mostly the name of this service or your partnership.")
