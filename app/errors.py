"""Errors a user can do something about: shown in their language, never a 500."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action; `message` is already in the user's language."""

    status_code = 422

    def __init__(self, message: str, status_code: int | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        # Seconds, for a 429: sent as Retry-After.
        self.retry_after = retry_after


class NotFound(UserError):
    status_code = 404


class Forbidden(UserError):
    status_code = 403


class PersonalDataWarning(UserError):
    """A card looks like it holds personal data: its author confirms before it is shared."""

    status_code = 422

    def __init__(self, message: str, kinds: list[str]) -> None:
        super().__init__(message)
        self.kinds = kinds
