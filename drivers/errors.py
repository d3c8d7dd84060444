"""The driver layer's errors: one base type, :class:`ModemError`."""

from __future__ import annotations


class ModemError(Exception):
    """Anything the modem or its port did wrong. Subclasses say what."""
