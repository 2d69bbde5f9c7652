"""Catalogs: every UI string has a Dutch and an English translation; negotiation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app import i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "gettext_noop": None}
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        ROOT / "app", METHOD_MAP, OPTIONS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalog_is_complete(lang):
    """Fails on any string in the code or templates without a translation in the catalog."""
    with (ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(source_messages() - translated)
    assert missing == [], f"untranslated in {lang}: {missing}"


def test_dutch_is_the_default_and_translates():
    assert i18n.DEFAULT_LANGUAGE == "nl"
    with i18n.use_locale("nl"):
        assert i18n.gettext("Add card") == "Kaart toevoegen"
        assert i18n.gettext("Phase %(number)s", number=3) == "Fase 3"
        assert i18n.ngettext("%(num)s here", "%(num)s here", 2) == "2 aanwezig"
    with i18n.use_locale("en"):
        assert i18n.gettext("Add card") == "Add card"


@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        (None, None, "nl"),
        ("en-US,en;q=0.9", None, "en"),
        ("de-DE,de;q=0.9,en;q=0.5", None, "en"),
        ("fr", None, "nl"),
        ("en;q=0.3,nl;q=0.8", None, "nl"),
        ("en", "nl", "nl"),
        ("nl", "en", "en"),
        ("en", "xx", "en"),
        ("garbage;;q=abc,,", None, "nl"),
    ],
)
def test_negotiate(header, cookie, expected):
    assert i18n.negotiate(header, cookie) == expected
