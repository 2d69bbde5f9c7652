"""Tag colours and the built-in tags of the seed ("markeer informele, twijfelachtige of inconsistente processen").

Colours are palette names (CSS classes `tag-<name>`), never raw values: no inline
styles (CSP), and each is dark enough for white text (contrast >= 4.5:1). Every tag
also carries a letter or symbol, so it reads without colour and in black-and-white print.
"""

from __future__ import annotations

from app.i18n import gettext as _
from app.i18n import use_locale

PALETTE = ("red", "orange", "purple", "blue", "teal", "green", "brown", "pink", "grey", "navy")


def builtin_tags(language: str) -> list[tuple[str, str, str, str]]:
    """(key, name, letter, colour) of the seven built-in tags, named in the workshop's language."""
    with use_locale(language):
        return [
            ("informal", _("informal"), "I", "orange"),
            ("doubtful", _("doubtful"), "?", "purple"),
            ("inconsistent", _("inconsistent"), "≠", "red"),
            ("assumption", _("assumption"), "A", "blue"),
            ("judgement", _("manual judgement"), "H" if language == "nl" else "J", "teal"),
            ("undocumented", _("undocumented knowledge"), "K" if language == "nl" else "U", "brown"),
            ("painpoint", _("pain point"), "!", "pink"),
        ]
