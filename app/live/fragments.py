"""The registry of broadcast fragments: a leaf that imports no feature.

A fragment is loaded once (async, inside the change's transaction or a snapshot) and
rendered per language (sync). Each kind is registered by its feature (`@fragment("cell")`)
and named by a small JSON-able descriptor, e.g. `("cell", 3, 5)`: `board_change` stores the
descriptors of a change in the event log, and every app process rebuilds the loaders
from there (`from_descriptors`). Which features register kinds: app/live/kinds.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from app import i18n

if TYPE_CHECKING:
    from app.models import Workshop

# Renders HTML in the current locale; built by a loader that read what it needs.
Render = Callable[[], str]
Loader = Callable[[AsyncSession], Awaitable[Render]]
Descriptor = tuple

WHOLE_BOARD = ("board",)
# Broadcast parts that the whole board (`everything`) does not hold: kept when merged with it.
BEYOND_BOARD = {"votes_left"}
_KINDS: dict[str, Callable[..., Loader]] = {}


def fragment(kind: str) -> Callable[[Callable[..., Loader]], Callable[..., Loader]]:
    """Registers a loader factory `factory(workshop, *args)` under `kind`; its loaders
    carry `.descriptor = (kind, *args)` (args must be JSON values)."""

    def register(factory: Callable[..., Loader]) -> Callable[..., Loader]:
        def make(workshop: Workshop, *args) -> Loader:
            loader = factory(workshop, *args)
            loader.descriptor = (kind, *args)  # type: ignore[attr-defined]
            return loader

        make.__doc__ = factory.__doc__
        _KINDS[kind] = make
        return make

    return register


def descriptor_of(loader: Loader) -> Descriptor:
    # A loader without a descriptor is safe too: other processes render the whole board.
    return getattr(loader, "descriptor", WHOLE_BOARD)


def merge(changes: Iterable[Sequence | None]) -> list[Descriptor]:
    """The fragments to re-render for several changes, each once, in first-seen order.
    The whole board replaces the rest (and anything unknown or unrecorded is the whole board),
    except the parts that `everything` leaves out (`BEYOND_BOARD`)."""
    whole = False
    out: list[Descriptor] = []
    for described in changes:
        if described is None:
            whole = True
            continue
        for item in described:
            d = tuple(item)
            if not d or d[0] not in _KINDS or d == WHOLE_BOARD:
                whole = True
            elif d not in out:
                out.append(d)
    if whole:
        return [WHOLE_BOARD, *(d for d in out if d[0] in BEYOND_BOARD)]
    return out


def from_descriptors(workshop: Workshop, descriptors: Iterable[Descriptor]) -> list[Loader]:
    return [_KINDS[d[0]](workshop, *d[1:]) for d in descriptors]


def once_per_language(render: Render) -> Render:
    """The same render, made at most once per language: the asker's answer and the sockets of
    that language get the same bytes. Attributes (an announcement's `.actor`) are kept."""
    made: dict[str, str] = {}

    def memo() -> str:
        lang = i18n.current_locale()
        if lang not in made:
            made[lang] = render()
        return made[lang]

    memo.__dict__.update(getattr(render, "__dict__", {}))
    return memo


def seq_marker(seq: int, partial: bool = False) -> str:
    """Where the client is: it says this number when it reconnects, and gets whatever is newer.

    `partial`: the marker of one change's answer. It says which number that change got,
    but not that everything before it reached this browser, so the browser keeps it out
    of its catch-up position."""
    extra = ' data-partial="true"' if partial else ""
    return f'<div id="board-seq" data-seq="{int(seq)}"{extra} hidden hx-swap-oob="true"></div>'
