"""The warning a card's author gets when its text looks like personal data."""

from __future__ import annotations

from app.errors import PersonalDataWarning
from app.i18n import gettext as _
from app.privacy import pii


def _names() -> dict[str, str]:
    return {
        pii.BSN: _("a citizen service number (BSN)"),
        pii.DATE: _("a date of birth"),
        pii.EMAIL: _("an e-mail address"),
        pii.PHONE: _("a phone number"),
    }


def check_card_text(text: str, before: str = "", confirmed: bool = False) -> None:
    """Raise the warning unless the author confirmed, or the text adds nothing new that looks personal."""
    if confirmed:
        return
    found = pii.new_findings(text, before)
    if not found:
        return
    kinds = list(dict.fromkeys(f.kind for f in found))
    names = _names()
    raise PersonalDataWarning(
        _("This card seems to contain %(what)s. Everyone in the workshop will see it. "
          "Leave out details that say who a client is, or save it anyway.", what=", ".join(names[k] for k in kinds)),
        kinds,
    )
