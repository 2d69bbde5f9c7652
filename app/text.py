"""Cleaning what people type: one place for the rules every name and text obeys."""

from __future__ import annotations

from app.errors import UserError
from app.i18n import gettext as _


def clean_text(value: str | None, *, limit: int, empty_message: str, too_long_message: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    # Control characters (but not newlines and tabs) have no place in a card.
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " ")
    if not text:
        raise UserError(empty_message)
    if len(text) > limit:
        raise UserError(too_long_message % {"limit": limit, "length": len(text)})
    return text


def clean_name(value: str | None, limit: int = 200) -> str:
    return clean_text(value, limit=limit, empty_message=_("Please fill in a name."),
                      too_long_message=_("A name can be at most %(limit)s characters long; this one has %(length)s."))
