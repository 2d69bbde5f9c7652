"""The one Jinja2 environment: pages through Litestar, fragments through jinja2-fragments.

Fragments are named blocks of the page templates (one template per screen), so a
card looks the same whether it arrives with the page, in an htmx response, or
over the socket.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from datetime import datetime, timedelta, timezone

from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments import render_block as _render_block

from app import i18n
from app.assets import module_url
from app.facilitation.rules import author_label
from app.models import utcnow
from app.tags.palette import tag_name

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


@cache
def _static_version(path: str) -> str:
    try:
        return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(path: str) -> str:
    """URL of a static file with a content hash, so browsers may cache it for long."""
    return f"/static/{path}?v={_static_version(path)}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(static_url=static_url, current_locale=i18n.current_locale, LANGUAGES=i18n.LANGUAGES,
                       LANGUAGE_NAMES=i18n.LANGUAGE_NAMES, now=utcnow, epoch_ms=epoch_ms, author_label=author_label,
                       focus_name=focus_name, deletion_date=deletion_date, tag_name=tag_name,
                       module_url=module_url)
    return env


def epoch_ms(moment: datetime | None) -> str:
    """Milliseconds since the epoch for the browser; SQLite gives naive datetimes, which are UTC here."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return str(int(moment.timestamp() * 1000))


def deletion_date(last_change: datetime | None, retention_days: int) -> str:
    """When retention deletes a workshop that last changed at `last_change`, as a date in words."""
    if last_change is None or retention_days <= 0:
        return ""
    from babel.dates import format_date

    return format_date((last_change + timedelta(days=retention_days)).date(), format="long", locale=i18n.current_locale())


def focus_name(board, workshop) -> str:
    """The name of the phase or lane everyone is asked to look at."""
    items = board.phases if workshop.focus_kind == "phase" else board.lanes
    return next((item.name for item in items if item.id == workshop.focus_id), "")


def render_partial(name: str, **context: Any) -> str:
    """A partial template on its own (a form fetched into a dialog, a fragment), as htmx asks for it."""
    return environment().get_template(name).render(**context)


def render_block(env: Environment, template: str, block: str, **context: Any) -> str:
    return _render_block(env, template, block, **context)

