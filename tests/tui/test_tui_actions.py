"""Actions added for issue 7's audit: delete with a confirmation, the composer's
text in $EDITOR, the daemon connection lost and found again."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from conftest import ALICE, build_app, pilot_test, populate, running, settle
from test_tui_pilot import bubble_texts, open_conversation

from mmsua.api.events import Closed, ConnectionClosed, MessageReceived
from mmsua.tui.editor import EditorError, edit_text, editor_command

pytestmark = pytest.mark.timeout(60)


@pilot_test
async def test_delete_asks_first_and_cancel_keeps_the_message(store, contacts_file, tmp_path):
    ids = populate(store, hostile=False, filler=0)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        await pilot.press("d")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "Confirm"
        assert "Lovely! When are you back?" in str(app.screen.query_one(".what").render())  # says which message
        await pilot.press("enter")  # the focused default is Cancel
        await settle(app, pilot)
        assert type(app.screen).__name__ != "Confirm"
        assert store.get_message(ids["reply"]) is not None
        await pilot.press("d", "n")
        await settle(app, pilot)
        assert store.get_message(ids["reply"]) is not None
        assert any("Lovely!" in t for t in bubble_texts(app))


@pilot_test
async def test_delete_confirmed_removes_it_from_the_store_and_the_screen(store, contacts_file, tmp_path):
    from mmsua.store import NotFound

    ids = populate(store, hostile=False, filler=0)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        selected = app.query_one("#conversation").selected_message
        assert selected.id == ids["reply"]  # the newest is selected on opening
        await pilot.press("delete", "y")
        await settle(app, pilot)
        assert not any("Lovely!" in t for t in bubble_texts(app))
        assert any("Look at this view!" in t for t in bubble_texts(app))  # the other one stays
        with pytest.raises(NotFound):
            store.get_message(ids["reply"])
        # The list's preview follows: the newest left in Alice's conversation is the picture message.
        row = next(r for r in app.query_one("#conversations").rows if r.participants == (ALICE,))
        assert "Lovely" not in row.last_preview


@pilot_test
async def test_a_message_deleted_by_another_client_leaves_the_open_conversation(store, contacts_file, tmp_path):
    # `mmsua delete` in another terminal: the daemon's message.deleted event reaches the app.
    ids = populate(store, hostile=False, filler=0)
    app, agent = build_app(store, contacts_file, tmp_path, images="none")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_conversation(app, pilot, (ALICE,))
        assert any("Lovely!" in t for t in bubble_texts(app))
        agent.delete(ids["reply"])
        await settle(app, pilot)
        assert not any("Lovely!" in t for t in bubble_texts(app))
        assert [m.id for m in app.query_one("#conversation").messages] == [ids["picture"]]
        row = next(r for r in app.query_one("#conversations").rows if r.participants == (ALICE,))
        assert "Lovely" not in row.last_preview


def write_script(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\nimport sys\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pilot_test
async def test_composer_text_written_in_the_editor(store, contacts_file, tmp_path, monkeypatch):
    # The "editor" records how it was called and the file's mode, then rewrites the text.
    log = tmp_path / "editor.log"
    editor = write_script(tmp_path / "fake editor", f"""
import os, stat
path = sys.argv[-1]
mode = stat.S_IMODE(os.stat(path).st_mode)
dmode = stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)
old = open(path).read()
open({str(log)!r}, "w").write(repr((sys.argv[1:], oct(mode), oct(dmode), old)))
open(path, "w").write(old + " and more from the editor; $(touch pwned)\\n")
""")
    # $EDITOR with an argument and a space in the path: split as words, run without a shell.
    monkeypatch.setenv("VISUAL", "")
    monkeypatch.setenv("EDITOR", f"'{editor}' --wait")
    monkeypatch.chdir(tmp_path)
    populate(store, hostile=False, filler=0)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("tab", "tab", *"Draft")
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        text = app.screen.query_one("#text").text
        assert text == "Draft and more from the editor; $(touch pwned)"
        argv, mode, dmode, seen = eval(log.read_text())
        assert argv[0] == "--wait" and seen == "Draft"
        assert (mode, dmode) == ("0o600", "0o700")  # a private temporary file
        assert not Path(argv[1]).exists()  # removed once read back
        assert not (tmp_path / "pwned").exists()  # nothing went through a shell
        # Kept as soon as it is back from the editor (issue 11): closing the app next loses nothing.
        assert "more from the editor" in (tmp_path / "state" / "drafts.json").read_text()


@pilot_test
async def test_a_failing_editor_leaves_the_draft_alone(store, contacts_file, tmp_path, monkeypatch):
    editor = write_script(tmp_path / "bad-editor", "open(sys.argv[-1], 'w').write('garbage'); sys.exit(3)")
    monkeypatch.setenv("VISUAL", str(editor))
    populate(store, hostile=False, filler=0)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("tab", "tab", *"keep me", "ctrl+o")
        await settle(app, pilot)
        assert app.screen.query_one("#text").text == "keep me"
        assert "exited with status 3" in str(app.screen.query_one("#send-error").render())


def test_editor_command_order_and_errors(tmp_path: Path) -> None:
    assert editor_command({"VISUAL": "code -w", "EDITOR": "vi"}) == ["code", "-w"]
    assert editor_command({"VISUAL": " ", "EDITOR": "nano"}) == ["nano"]
    with pytest.raises(EditorError, match="EDITOR"):
        editor_command({"EDITOR": "'unterminated"})
    with pytest.raises(EditorError, match="cannot run"):
        edit_text("x", [str(tmp_path / "no-such-editor")])


class DaemonGone:
    """A client whose daemon went away: every call fails as the socket client's do."""

    def __init__(self, inner) -> None:
        self.inner, self.down = inner, False

    def __getattr__(self, name):
        from mmsua.daemon.client import DaemonUnavailable

        target = getattr(self.inner, name)

        def call(*args, **kwargs):
            if self.down:
                raise DaemonUnavailable(Path("/run/mmsua/api.sock"), "connection lost: broken pipe")
            return target(*args, **kwargs)

        return call


def app_counting_subscriptions(store, contacts_file, tmp_path):
    """An app on an in-process engine behind DaemonGone, recording each event subscription."""
    from mmsua.daemon.client import LocalClient
    from mmsua.engine.agent import UserAgent
    from mmsua.tui.app import make_app
    from mmsua.tui.contacts import Contacts
    from mmsua.tui.protocol import Settings

    populate(store, hostile=False, filler=0)
    agent = UserAgent(store=store)
    client = DaemonGone(LocalClient(agent))
    subscriptions = []
    original = client.inner.subscribe
    client.inner.subscribe = lambda cb: (subscriptions.append(cb), original(cb))[1]
    app = make_app(client, Settings(contacts=Contacts.load(contacts_file), images="none", bell=False, save_dir=tmp_path))
    return agent, client, subscriptions, app


@pilot_test
async def test_connection_loss_is_shown_and_recovery_resubscribes(store, contacts_file, tmp_path):
    from mmsua.tui.widgets.status_bar import StatusBar

    _, client, subscriptions, app = app_counting_subscriptions(store, contacts_file, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert len(subscriptions) == 1
        client.down = True
        subscriptions[0](ConnectionClosed(Closed("the daemon closed the connection")))  # as Client.on_event ends a stream
        app._poll_status()  # what the 15 s timer runs
        await settle(app, pilot)
        bar = str(app.query_one(StatusBar).render())
        assert "disconnected" in bar
        assert any("connection lost" in line.plain for line in app.log_lines)
        client.down = False
        app._poll_status()
        await settle(app, pilot)
        assert "disconnected" not in str(app.query_one(StatusBar).render())
        assert len(subscriptions) == 2  # events again, on a new subscription


@pilot_test
async def test_a_failed_status_poll_with_the_event_stream_alive_never_delivers_an_event_twice(store, contacts_file, tmp_path):
    # A busy daemon can miss one status poll while the event connection lives on;
    # subscribing again would deliver every later event twice.
    agent, client, subscriptions, app = app_counting_subscriptions(store, contacts_file, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        client.down = True
        app._poll_status()
        await settle(app, pilot)
        client.down = False
        app._poll_status()
        await settle(app, pilot)
        # The socket client ends its event connection when a call loses the daemon, so the
        # app subscribes again; the old subscription is ended first and each event comes once.
        assert len(client.inner._callbacks) == 1
        message = next(iter(agent.list_messages(agent.list_conversations(limit=1)[0].id, limit=1)))
        client.inner._publish(MessageReceived(message))
        await settle(app, pilot)
        assert app.received == [message.id]


@pytest.mark.timeout(60)
@pilot_test
async def test_a_message_stored_between_the_first_list_read_and_the_subscription_is_listed(store, contacts_file, tmp_path):
    # The first page is read, then a message lands (its event goes to nobody: the app is
    # not subscribed yet), then the app subscribes: the list must still show it.
    from mmsua.daemon.client import LocalClient
    from mmsua.engine.agent import UserAgent
    from mmsua.tui.app import make_app
    from mmsua.tui.contacts import Contacts
    from mmsua.tui.protocol import Settings

    populate(store, hostile=False, filler=0)
    client = LocalClient(UserAgent(store=store))
    reads = []
    original = client.list_conversations

    def list_then_a_message_lands(*args, **kwargs):
        page = original(*args, **kwargs)
        if not reads:
            store.add_message(participants=["+15550104242"], direction="in", kind="sms", state="received",
                              sender="+15550104242", text="landed unannounced")
        reads.append(page)
        return page

    client.list_conversations = list_then_a_message_lands
    app = make_app(client, Settings(contacts=Contacts.load(contacts_file), images="none", bell=False, save_dir=tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert any(r.participants == ("+15550104242",) for r in app.query_one("#conversations").rows)
