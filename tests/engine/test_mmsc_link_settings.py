"""New carrier settings while an exchange runs (the SIM's carrier rules often arrive during
the first retrieval): the exchange finishes on its client, which is closed after it."""

from __future__ import annotations

from mmsua.engine.interfaces import DirectDataPath
from mmsua.engine.mmsc_link import MmscLink
from mmsua.engine.settings import AgentSettings


class _Http:
    def __init__(self, settings: AgentSettings) -> None:
        self.settings = settings
        self.closed = False

    def close(self) -> None:
        self.closed = True


class _Link(MmscLink):
    def _client(self) -> _Http:  # type: ignore[override]
        return _Http(self._settings)


def test_new_settings_do_not_cut_the_exchange_in_flight() -> None:
    link = _Link(AgentSettings(), DirectDataPath())
    first = link.http
    seen: list[bool] = []

    def exchange(http: _Http) -> bytes:
        link.use_settings(AgentSettings(user_agent="carrier/1.0"))
        seen.append(http.closed)
        return b"done"

    assert link.exchange(exchange) == b"done"  # type: ignore[arg-type]
    assert seen == [False] and first.closed  # closed once the exchange ended
    assert link.http is not first and link.http.settings.user_agent == "carrier/1.0"


def test_new_settings_between_exchanges_close_the_old_client_at_once() -> None:
    link = _Link(AgentSettings(), DirectDataPath())
    first = link.http
    link.use_settings(AgentSettings(user_agent="carrier/1.0"))
    assert first.closed and link.http.settings.user_agent == "carrier/1.0"
