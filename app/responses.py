"""Shared response helpers: pages, htmx fragments, errors in the user's language."""

from __future__ import annotations

import json
from typing import Any

from litestar import MediaType, Request, Response
from litestar.response import Redirect, Template

from app.errors import PersonalDataWarning, UserError
from app.templating import environment, render_block

# Events an answer triggers in the page (HX-Trigger): a card was saved (its form resets), a dialog's
# work is done (it closes).
CARD_SAVED = "zl:card-saved"
DIALOG_DONE = "zl:dialog-done"


def page(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template, context=context, status_code=status_code)


def html(content: str, status_code: int = 200, trigger: str | None = None, headers: dict[str, str] | None = None) -> Response:
    all_headers = dict(headers or {})
    if trigger:
        all_headers["HX-Trigger"] = json.dumps({trigger: True})
    return Response(content, media_type=MediaType.HTML, status_code=status_code, headers=all_headers)


def base_url(request: Request) -> str:
    """The app's own address, for links shown to people (join links, QR codes): PUBLIC_URL or the browser's."""
    public = request.app.state.settings.public_url
    return public.rstrip("/") if public else str(request.base_url).rstrip("/")


def join_url(request: Request, token: str) -> str:
    return f"{base_url(request)}/j/{token}"


def redirect(request: Request, path: str) -> Response:
    """A redirect that works for a plain form post and for an htmx request alike."""
    if request.headers.get("hx-request"):
        return Response("", status_code=200, headers={"HX-Redirect": path})
    return Redirect(path=path, status_code=303)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def user_error_response(request: Request, exc: UserError) -> Response:
    """htmx: the message as a fragment into the form's error region (or the toast);
    otherwise the error page. Status stays 4xx: the client knows nothing was saved."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    if is_htmx(request):
        if isinstance(exc, PersonalDataWarning):
            # Into the form, with "save anyway": nothing was shared, the text stays where it was typed.
            body = render_block(environment(), "_personal_data.html", "personal_data_warning", message=exc.message)
        else:
            body = render_block(environment(), "error.html", "error_message", message=exc.message)
        version = getattr(exc, "current_version", None)
        if version is not None:  # an edit conflict: the form learns the version it would now replace
            body += f'<span hidden data-current-version="{int(version)}"></span>'
        target = request.headers.get("hx-target") or ""
        if not target.endswith("-error"):
            headers.update({"HX-Retarget": "#toast", "HX-Reswap": "innerHTML"})
        return html(body, status_code=exc.status_code, headers=headers)
    return Response(
        content=environment().get_template("error.html").render(message=exc.message, status=exc.status_code,
                                                                 csrf_token=lambda: ""),
        media_type=MediaType.HTML, status_code=exc.status_code, headers=headers,
    )
