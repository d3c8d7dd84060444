"""The daemon's contacts: config ``contacts.path``, a vCard file or a folder of .vcf files
(one card a file, as khard and vdirsyncer keep them), read again when it changes.

What is read is bounded: a file over MAX_FILE bytes or anything but a regular file is
skipped, a folder is read up to MAX_FILES files and MAX_TOTAL bytes, and at most
MAX_CARDS cards are kept. A change is seen by the files' sizes and modification times,
looked at no more often than every RECHECK seconds (a list of 50 conversations asks
for a name 50 times).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mmsua.contacts import Contact, Contacts, parse_vcards

log = logging.getLogger(__name__)

MAX_FILE = 4 * 1024 * 1024  # one vCard file; a card with a photo is some 100 KB
MAX_FILES = 10_000
MAX_TOTAL = 64 * 1024 * 1024
MAX_CARDS = 20_000
RECHECK = 2.0

Signature = tuple[tuple[str, int, int], ...]  # (name, size, mtime_ns) of each file read


class ContactBook:
    """Names for addresses from the configured vCards; empty when none is configured."""

    def __init__(self, path: Callable[[], str], clock: Callable[[], float] = time.monotonic) -> None:
        self._path = path  # the setting in force (it may change with the settings)
        self._clock = clock
        self._lock = threading.Lock()
        self._contacts = Contacts()
        self._loaded: tuple[str, Signature] | None = None
        self._checked = float("-inf")

    def contacts(self) -> Contacts:
        """The cards as they are now (read again when the files changed)."""
        with self._lock:
            now = self._clock()
            if now - self._checked >= RECHECK:
                self._checked = now
                self._refresh(self._path())
            return self._contacts

    def name_for(self, address: str | None) -> str | None:
        return self.contacts().name_for(address) if address else None

    def knows(self, address: str | None) -> bool:
        return self.name_for(address) is not None

    def _refresh(self, setting: str) -> None:
        if not setting:
            self._contacts, self._loaded = Contacts(), None
            return
        path = Path(setting).expanduser()
        try:
            files, signature = _vcard_files(path)
        except OSError as exc:
            if self._loaded != (setting, ()):
                log.warning("contacts %s cannot be read: %s", path, exc.strerror or exc)
            self._contacts, self._loaded = Contacts(), (setting, ())
            return
        if self._loaded == (setting, signature):
            return
        self._contacts = Contacts(_read_cards(files))
        self._loaded = (setting, signature)
        log.info("contacts: %d cards from %s", len(self._contacts.cards), path)


def _vcard_files(path: Path) -> tuple[list[Path], Signature]:
    """The files to read (the path, or a folder's .vcf files by name) and their signature."""
    if not path.is_dir():
        info = os.stat(path)  # a missing file is an OSError the caller reports
        return [path], ((path.name, info.st_size, info.st_mtime_ns),)
    found: list[tuple[str, os.stat_result]] = []
    with os.scandir(path) as entries:  # one stat per file: checked every RECHECK seconds
        for entry in entries:
            if entry.name.lower().endswith((".vcf", ".vcard")):
                with contextlib.suppress(OSError):  # a dangling link is one card less, not none
                    found.append((entry.name, entry.stat()))
    found.sort()
    if len(found) > MAX_FILES:
        log.warning("contacts folder %s has %d files; only the first %d are read", path, len(found), MAX_FILES)
    found = found[:MAX_FILES]
    return [path / name for name, _ in found], tuple((name, info.st_size, info.st_mtime_ns) for name, info in found)


def _read_cards(files: list[Path]) -> list[Contact]:
    cards: list[Contact] = []
    total = 0
    for file in files:
        if len(cards) >= MAX_CARDS:
            log.warning("contacts: more than %d cards; the rest are not read", MAX_CARDS)
            break
        data = _read_bounded(file)
        if data is None:
            continue
        total += len(data)
        if total > MAX_TOTAL:
            log.warning("contacts: more than %d bytes of vCards; the rest are not read", MAX_TOTAL)
            break
        cards.extend(parse_vcards(data.decode("utf-8", "replace"), limit=MAX_CARDS - len(cards)))
    return cards


def _read_bounded(path: Path) -> bytes | None:
    """A regular file's bytes, at most MAX_FILE of them (a FIFO or device is never opened
    blocking); None, logged, for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        log.warning("contacts file %s cannot be read: %s", path, exc.strerror or exc)
        return None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            log.warning("contacts file %s is not a regular file; skipped", path)
            return None
        try:
            data = file.read(MAX_FILE + 1)
        except OSError as exc:
            log.warning("contacts file %s cannot be read: %s", path, exc.strerror or exc)
            return None
    if len(data) > MAX_FILE:
        log.warning("contacts file %s is larger than %d bytes; skipped", path, MAX_FILE)
        return None
    return data
