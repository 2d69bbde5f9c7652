"""Languages: gettext catalogs (Babel .po files), the current locale, negotiation.

The msgids are English; `app/translations/<lang>/LC_MESSAGES/messages.po` holds
each language. The .po files are compiled in memory at start-up, so there is no
build step to forget. The current locale lives in a context variable: set per
request by `LocaleMiddleware`, and explicitly (`use_locale`) when a broadcast
fragment is rendered once per language.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
LANG_COOKIE = "zl_lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

_locale: ContextVar[str] = ContextVar("zl_locale", default=DEFAULT_LANGUAGE)


@cache
def translations(lang: str) -> NullTranslations:
    po = TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf)


def current_locale() -> str:
    return _locale.get()


@contextlib.contextmanager
def use_locale(lang: str) -> Iterator[None]:
    token = _locale.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _locale.reset(token)


def set_locale(lang: str) -> None:
    _locale.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def gettext(message: str, **variables: object) -> str:
    text = translations(_locale.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(_locale.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def gettext_noop(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


def negotiate(accept_language: str | None, chosen: str | None = None) -> str:
    """The user's own choice (cookie) wins; then the browser's Accept-Language."""
    if chosen in LANGUAGES:
        return chosen  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower().split("-")[0]))
    for _q, _i, lang in sorted(ranked):
        if lang in LANGUAGES:
            return lang
    return DEFAULT_LANGUAGE
