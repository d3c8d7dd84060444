"""The API's one error family: each class is one documented code (docs/api.md).

The engine raises these where it knows the cause; transports send ``code`` and
``message`` and clients raise the same class again, so nothing is classified by
its exception's name.
"""

from __future__ import annotations

from typing import ClassVar


class ApiError(Exception):
    """An error answer. Subclasses fix ``code``; ``ApiError.of(code, message)`` builds one from the wire."""

    code: ClassVar[str] = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    @staticmethod
    def of(code: str, message: str) -> ApiError:
        """The error class for a code read from the wire (an unknown code is ``internal``)."""
        return _BY_CODE.get(code, InternalError)(message)


class BadRequest(ApiError):
    """The request is malformed or names something impossible (a bad address, an unknown method)."""

    code = "bad_request"


class NotFound(ApiError):
    """No message, conversation or part with that id."""

    code = "not_found"


class Unavailable(ApiError):
    """The modem, the MMSC or the daemon is not reachable now; trying later may work."""

    code = "unavailable"


class TooLarge(ApiError):
    """The message cannot be made to fit the carrier's size limit."""

    code = "too_large"


class TooLate(ApiError):
    """The message has already left (or may have): it can no longer be cancelled."""

    code = "too_late"


class InternalError(ApiError):
    """A fault of mmsua itself; the log has the details."""

    code = "internal"


_BY_CODE: dict[str, type[ApiError]] = {cls.code: cls for cls in (BadRequest, NotFound, Unavailable, TooLarge, TooLate, InternalError)}
ERROR_CODES: tuple[str, ...] = tuple(_BY_CODE)
