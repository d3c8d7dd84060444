"""`mmsua export`'s work: a message's parts written to a directory through the API
(safe names, never overwriting, private files: mmsua.safefiles)."""

from __future__ import annotations

from pathlib import Path

from mmsua.api.errors import BadRequest
from mmsua.api.methods import Api
from mmsua.safefiles import create_exclusive, part_filename


class ExportError(OSError):
    pass


def export_parts(client: Api, message_id: int, directory: Path) -> list[Path]:
    message = client.show_message(message_id)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise ExportError(f"cannot create {directory}: {error.strerror or error}") from None
    written = []
    for part in message.parts:
        content = client.get_part(message_id, part.index)
        try:
            data = content.data
        except BadRequest:
            raise ExportError(f"part {part.index} came back with broken base64") from None
        try:
            written.append(create_exclusive(directory, part_filename(part), data))
        except OSError as error:
            raise ExportError(f"cannot write into {directory}: {error.strerror or error}") from None
    return written
