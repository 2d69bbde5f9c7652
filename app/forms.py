"""Typed form data: a handler receives ints, bools and strings, and a value that cannot be read is a
clear 400 in the user's language before any service runs.

Litestar's own URL-encoded body parsing hands msgspec the raw strings, so an empty field fails an
optional int, and one ticked checkbox fails a list. `form(Model)` normalises first: empty values
are left out (the field's default applies), a list field always gets a list.
"""

from __future__ import annotations

from typing import Any, TypeVar, get_args, get_origin

import msgspec
from litestar import Request
from litestar.di import Provide

from app.errors import UserError
from app.i18n import gettext as _

F = TypeVar("F", bound=msgspec.Struct)


class Form(msgspec.Struct, kw_only=True):
    """Base of every form: fields not declared (the CSRF token, htmx's own) are ignored."""


def _is_list(annotation: Any) -> bool:
    return get_origin(annotation) in (list, tuple, set, frozenset)


def parse(model: type[F], items: list[tuple[str, Any]]) -> F:
    """`items`: the form's (name, value) pairs, repeated names included."""
    fields = {f.encode_name: f for f in msgspec.structs.fields(model)}
    values: dict[str, Any] = {}
    for name, value in items:
        field = fields.get(name)
        if field is None or not isinstance(value, str):
            continue
        if _is_list(field.type):
            if value != "":
                values.setdefault(name, []).append(value)
        elif value != "" or str in (field.type, *get_args(field.type)):
            values[name] = value  # a text field keeps "" (it says "emptied"), others take their default
    try:
        return msgspec.convert(values, model, strict=False)
    except msgspec.ValidationError:
        raise UserError(_("This form holds a value that cannot be read. Reload the page and try again."), 400) from None


def form(model: type[F]) -> dict[str, Provide]:
    """For a handler's `dependencies`: its parameter `form` is the request's form, as a `model`."""

    async def provide(request: Request) -> F:
        return parse(model, (await request.form()).multi_items())

    return {"form": Provide(provide)}
