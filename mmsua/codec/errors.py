"""The codec layer's one error type."""

from __future__ import annotations


class PduError(ValueError):
    """Bytes that do not decode (or a message that cannot be encoded).

    ``offset`` is the byte position in the input where decoding stopped (None
    when encoding, or when no position applies); ``reason`` says what was wrong
    there in words a person can act on.
    """

    def __init__(self, reason: str, offset: int | None = None) -> None:
        self.reason = reason
        self.offset = offset
        where = f" at offset {offset}" if offset is not None else ""
        super().__init__(f"{reason}{where}")
