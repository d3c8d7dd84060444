"""The files D-Bus clients read a message's parts from (docs/dbus.md, "Attachment files").

mmsd-tng keeps each MMS as one file and its Attachments point into it by offset
and length; Chatty reads the file named by the first attachment and cuts every
part out of it, sxmo reads ``<its MMS directory>/<last element of the object
path>``. So mmsua writes one file per message, named by the message's id, holding
its listed parts one after the other. The directory is 0700 and owned by the user,
each file 0600, written under a temporary name and renamed into place, never
following a link; a file already there is reused only when it is a regular file of
the expected size. Parts never change once stored, so a file is written once.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from mmsua import paths


class AttachmentFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, message_id: int) -> Path:
        return self.directory / str(int(message_id))

    def ensure(self, message_id: int, sizes: tuple[int, ...], read: Callable[[int], bytes]) -> tuple[Path, tuple[int, ...]]:
        """The message's file and its parts' lengths, in order. ``sizes`` are the lengths the
        listing states; ``read(i)`` gives part i's bytes when the file has to be written (then
        the lengths are the bytes'). Raises OSError when it cannot be written."""
        target = self.path(message_id)
        if _usable(target, sum(sizes)):
            return target, sizes
        paths.ensure_private_dir(self.directory)
        data = [read(position) for position in range(len(sizes))]
        temporary = self.directory / f".{message_id}.{os.getpid()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        fd = os.open(temporary, flags, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in data:
                    out.write(chunk)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return target, tuple(len(chunk) for chunk in data)

    def remove(self, message_id: int) -> None:
        try:
            self.path(message_id).unlink()
        except FileNotFoundError:
            pass


def _usable(path: Path, size: int) -> bool:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and info.st_size == size
