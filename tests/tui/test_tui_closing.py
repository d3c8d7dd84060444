"""A daemon event that reaches the app while it closes (its screens already gone) is
dropped, never a traceback at exit. A stress run saw one: a log line from the engine,
posted as the test's app was exiting, raised ScreenStackError out of the app."""

from __future__ import annotations

from conftest import on_agent, pilot_test
from phoneagent import PhoneAgent

from mmsua.api.events import Log, ModemState
from mmsua.api.shapes import LogLine, Status
from mmsua.tui.app import DaemonEvent


@pilot_test
async def test_daemon_events_after_the_screens_are_gone_are_dropped(tmp_path):
    async with on_agent(PhoneAgent(), tmp_path) as (app, pilot):
        pass
    assert not app.screen_stack  # closed: what arrives now has nowhere to go
    await app.on_daemon_event(DaemonEvent(Log(LogLine("2026-12-07T23:35:47Z", "INFO", "notify_resp for message 2 posted"))))
    await app.on_daemon_event(DaemonEvent(ModemState(Status(registration="home"))))
    app._log_line("ERROR", "a worker's failure reported late")
