"""The page's ES modules (app/static/js), served under one version for the whole set.

A module imports its siblings by relative URL (`./util.js`), which drops any `?v=` query; so the
version is a path segment instead: `/js/<version>/main.js` imports `/js/<version>/util.js`, and
any change to any module gives every module a new URL. The current version is cached for a year
(like every static file with its hash); an old one is served as it is now, but not cached.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from litestar import Response, get

from app.errors import NotFound
from app.i18n import gettext as _

JS_DIR = Path(__file__).resolve().parent / "static" / "js"


@cache
def _modules() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(JS_DIR.glob("*.js"))}


@cache
def js_version() -> str:
    digest = hashlib.sha256()
    for name, content in _modules().items():
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()[:12]


def module_url(name: str) -> str:
    return f"/js/{js_version()}/{name}"


@get("/js/{version:str}/{name:str}", include_in_schema=False, sync_to_thread=False)
def script_module(version: str, name: str) -> Response:
    content = _modules().get(name)
    if content is None:
        raise NotFound(_("This link does not exist (any more)."))
    cache_control = "public, max-age=31536000, immutable" if version == js_version() else "no-cache"
    return Response(content, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": cache_control})
