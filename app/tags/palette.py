"""Tag colours and the built-in tags of the seed ("markeer informele, twijfelachtige of inconsistente processen").

Colours are palette names (CSS classes `tag-<name>`), never raw values: no inline
styles (CSP), and each is dark enough for white text (contrast >= 4.5:1). Every tag
also carries a letter or symbol, so it reads without colour and in black-and-white print.
"""

from __future__ import annotations

from app.i18n import gettext as _
from app.i18n import gettext_noop
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


# The built-in tags' names as msgids: a screen shows them in its own language, whatever the
# workshop's content language (an English screen on a Dutch workshop reads "informal").
BUILTIN_NAMES = {
    "informal": gettext_noop("informal"), "doubtful": gettext_noop("doubtful"),
    "inconsistent": gettext_noop("inconsistent"), "assumption": gettext_noop("assumption"),
    "judgement": gettext_noop("manual judgement"), "undocumented": gettext_noop("undocumented knowledge"),
    "painpoint": gettext_noop("pain point"),
}


def tag_name(tag) -> str:
    """A tag's name on screen: a built-in tag in the reader's language, an own tag as typed."""
    msgid = BUILTIN_NAMES.get(getattr(tag, "key", "") or "")
    return _(msgid) if msgid else tag.name
