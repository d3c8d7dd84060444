"""Emulated modems reachable as `simmodem://NAME` from any pyserial user in this process."""

from __future__ import annotations

import threading

from mmsua.sim.modem.line import ModemLine

_lines: dict[str, ModemLine] = {}
_lock = threading.Lock()


def register(name: str, line: ModemLine) -> str:
    with _lock:
        if name in _lines and _lines[name] is not line:
            raise ValueError(f"an emulated modem is already registered as {name!r}")
        _lines[name] = line
    return f"simmodem://{name}"


def unregister(name: str) -> None:
    with _lock:
        _lines.pop(name, None)


def lookup(name: str) -> ModemLine | None:
    with _lock:
        return _lines.get(name)


def names() -> list[str]:
    with _lock:
        return sorted(_lines)
