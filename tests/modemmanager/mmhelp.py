"""The ModemManager backend tests' numbers and settings, in a module of its own: a test's
``from conftest import`` finds whichever folder's conftest was loaded last once several
folders are collected together (tests/tui's, in a whole run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ME = "+15550100001"
FRIEND = "+15550107777"
PEER = "+15550100002"  # a handset with an emulated modem: SMS to it are delivered
SOURCE = "127.0.0.7"  # the fake bearer's address on lo: the carrier knows ME by it


def settings_for(carrier: Any, bus_address: str, store: Path, **changes: Any) -> Any:
    from mmsua.engine.settings import AgentSettings

    return AgentSettings(
        backend="modemmanager", mm_bus=bus_address, apn=carrier.apn, mmsc_url=carrier.mmsc_url, proxy=carrier.proxy or "",
        user_agent="mmsua-sim/1.0", uaprof_url="http://uaprof.example/mmsua.xml", store_path=str(store),
        country_code="US", retry_initial=0.05, retry_max=0.2, http_timeout=3, context_idle_grace=0.2,
    ).with_changes(**changes)
