"""The daemon's modems (issue 15): one engine each, over one shared store.

Each modem has its own settings (port or backend, SIM, carrier), its own engine
(own number, MMSC link, task worker) and its own driver backend. They share the
store, so there is one inbox: every message records the modem it came in on or
went out of (``messages.modem``), and each engine's worker runs only its own
modem's tasks (mmsua.store.ModemScope).
"""

from __future__ import annotations

from dataclasses import dataclass

from mmsua.engine.interfaces import ModemBackend
from mmsua.engine.runner import Engine
from mmsua.engine.settings import AgentSettings
from mmsua.store import ModemScope

__all__ = ["Modem", "scopes"]


@dataclass(slots=True)
class Modem:
    """One modem of the daemon: its name, engine, settings in force and driver backend."""

    name: str
    engine: Engine
    settings: AgentSettings
    link: ModemBackend | None = None


def scopes(names: list[str]) -> list[ModemScope]:
    """Each modem's share of the store; the first also owns what names no modem."""
    return [ModemScope(name, primary=index == 0, others=tuple(n for n in names if n != name))
            for index, name in enumerate(names)]
