"""How people and files are named in an export."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote

from app.facilitation import rules

if TYPE_CHECKING:
    from app.models import Participant, Workshop


def author_label(participant: Participant | None, workshop: Workshop) -> str:
    """The name under which a person appears in an export (cover, cards, CSV): the same
    as on the board, following the workshop's anonymity setting (names, roles or none)."""
    return rules.author_label(participant, workshop)


def file_stem(title: str, day: date) -> str:
    """`hulp-vragen-bij-de-zorgapp-2026-11-22`: ASCII, lower case, safe on every file system."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-")
    return f"{slug or 'zichtlijn'}-{day.isoformat()}"


def content_disposition(title: str, day: date, extension: str) -> str:
    """An attachment with a safe ASCII name, and the same name with its diacritics as `filename*`
    (RFC 6266 / 5987), which browsers prefer: `cliënt-en-zorgapp-2026-11-22.pdf`."""
    ascii_name = f"{file_stem(title, day)}.{extension}"
    words = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", title).lower()).strip("-")[:60].rstrip("-")
    utf8_name = quote(f"{words or 'zichtlijn'}-{day.isoformat()}.{extension}", safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"
