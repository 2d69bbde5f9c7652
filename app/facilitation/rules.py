"""Who may change what, when: the room rules the facilitator sets. Checked in the services,
so every route (HTTP now, any other later) obeys them."""

from __future__ import annotations

from app.errors import Forbidden
from app.i18n import gettext as _
from app.models import Participant, Phase, Workshop


def ensure_open(workshop: Workshop) -> None:
    if workshop.closed:
        raise Forbidden(_("This session is closed. The board can be read and exported, not changed."))


def ensure_can_write(workshop: Workshop, actor: Participant, *phases: Phase) -> None:
    """Cards, tags and follow-ups: closed for everyone when the session is closed; for
    participants also while the board, or the phase concerned, is locked."""
    ensure_open(workshop)
    if actor.is_facilitator:
        return
    if workshop.locked:
        raise Forbidden(_("The facilitator has locked the board. You can read along."))
    for phase in phases:
        if phase is not None and phase.locked:
            raise Forbidden(_("The facilitator has locked the phase \u201c%(name)s\u201d.", name=phase.name))


def author_label(author: Participant | None, workshop: Workshop) -> str:
    """How a card's author is shown to everyone: by name, by role, or not at all (the anonymity setting)."""
    if author is None or workshop.anonymity == "none":
        return ""
    if workshop.anonymity == "roles":
        return author.role_label or (_("facilitator") if author.is_facilitator else _("participant"))
    return f"{author.name} ({author.role_label})" if author.role_label else author.name
