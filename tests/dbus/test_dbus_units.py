"""The pure parts of the D-Bus transport: mmsd-tng's statuses, dates, delivery status, object
paths and attachment names from the API's shapes; the attachment files; the optional extra."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmsua.api.errors import BadRequest
from mmsua.api.shapes import Message, Part, RecipientStatus
from mmsua.api.states import MessageState, ReportStatus
from mmsua.dbus import mapping
from mmsua.dbus.files import AttachmentFiles


def out(state: MessageState, *reports: ReportStatus, asked: bool = True) -> Message:
    return Message(1, direction="out", state=state, to=("+1", "+2")[: len(reports) or 1], delivery_report_requested=asked,
                   recipients=tuple(RecipientStatus(a, r) for a, r in zip(("+1", "+2"), reports, strict=False)))


@pytest.mark.parametrize(("message", "expected"), [
    (Message(1, state=MessageState.RECEIVED, read=False), "received"),
    (Message(1, state=MessageState.RECEIVED, read=True), "read"),
    (out(MessageState.QUEUED), "draft"),
    (out(MessageState.SENDING), "draft"),
    (out(MessageState.SENT, ReportStatus.PENDING), "sent"),
    (out(MessageState.SENT, ReportStatus.DELIVERED, ReportStatus.PENDING), "sent"),
    (out(MessageState.SENT, ReportStatus.DELIVERED, ReportStatus.READ), "delivered"),
    (out(MessageState.FAILED), "sending_failed"),
    (out(MessageState.CANCELLED), "sending_failed"),
])
def test_status_is_mmsd_tngs(message: Message, expected: str) -> None:
    assert mapping.status(message) == expected


def test_delivery_status_as_chatty_parses_it() -> None:
    # Chatty splits on ",", skips "delivery_update", and takes anything but none/retrieved as a failure.
    message = out(MessageState.SENT, ReportStatus.DELIVERED, ReportStatus.REJECTED)
    assert mapping.delivery_status(message) == "delivery_update,+1=retrieved,+2=rejected"
    assert mapping.delivery_status(out(MessageState.SENT, ReportStatus.PENDING, asked=False)) is None
    assert mapping.delivery_status(Message(1)) is None


def test_only_mms_with_content_are_shown() -> None:
    assert mapping.visible(Message(1, kind="mms", state=MessageState.RECEIVED))
    assert not mapping.visible(Message(1, kind="sms", state=MessageState.RECEIVED))
    assert not mapping.visible(Message(1, kind="mms", state=MessageState.NOTIFIED))
    assert not mapping.visible(Message(1, kind="mms", state=MessageState.RECEIVED, blocked=True))
    assert mapping.visible(out(MessageState.QUEUED))


def test_date_paths_and_names() -> None:
    assert mapping.mmsd_date("2026-12-07T16:22:16Z") == "2026-12-07T16:22:16+0000"
    assert mapping.mmsd_date(None) == ""
    assert mapping.message_id(mapping.message_path(42)) == 42
    for bad in ("/org/ofono/mms/modemmanager", "/org/ofono/mms/modemmanager/4/2", "/org/ofono/mms/other/4",
                "/org/ofono/mms/modemmanager/" + "9" * 30, "/org/ofono/mms/modemmanager/-1"):
        with pytest.raises(BadRequest):
            mapping.message_id(bad)
    # Chatty makes a file of the id (basename, <> stripped): it must not climb or hide.
    assert mapping.attachment_id(Part(3, "image/png", name="../../.bashrc")) not in ("", "..", ".bashrc")
    assert "/" not in mapping.attachment_id(Part(3, "image/png", content_id="<a/b\x1b[31m>"))
    assert mapping.attachment_id(Part(3, "image/png")) == "part-3"


def test_send_options_both_forms() -> None:
    assert mapping.send_options("a{sv}", {"Subject": "hi", "DeliveryReport": True, "Smil": ""}) == mapping.SendOptions("hi", True, None)
    assert mapping.send_options("s", "<smil/>").smil == "<smil/>"
    for signature, value in (("i", 3), ("a{sv}", {"Subject": 3}), ("a{sv}", {"DeliveryReport": "yes"})):
        with pytest.raises(BadRequest):
            mapping.send_options(signature, value)


def test_attachment_files_are_private_and_never_follow_a_link(tmp_path: Path) -> None:
    files = AttachmentFiles(tmp_path / "att")
    parts = [b"abc", b"defgh"]
    path, lengths = files.ensure(7, (3, 5), lambda i: parts[i])
    assert path.read_bytes() == b"abcdefgh" and lengths == (3, 5)
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    # Written once: a second call reads nothing.
    assert files.ensure(7, (3, 5), lambda i: pytest.fail("read again")) == (path, (3, 5))
    # A link planted in its place is replaced, and what it points to is untouched.
    victim = tmp_path / "victim"
    victim.write_bytes(b"x" * 8)
    path.unlink()
    path.symlink_to(victim)
    path2, _ = files.ensure(7, (3, 5), lambda i: parts[i])
    assert not path2.is_symlink() and path2.read_bytes() == b"abcdefgh" and victim.read_bytes() == b"x" * 8
    # A listing that misstates a size: the file holds the real bytes and says their lengths.
    assert files.ensure(8, (1, 1), lambda i: parts[i])[1] == (3, 5)
    files.remove(7)
    files.remove(7)
    assert not path.exists()


def test_mmsua_needs_no_dbus_library(tmp_path: Path) -> None:
    """A headless Pi without the extra: mmsua and its daemon import, and starting the
    service says how to get the extra."""
    code = """
import sys
sys.modules["dbus_fast"] = None  # as if not installed
import mmsua.daemon.runner, mmsua.cli.main, mmsua.dbus
assert not [m for m in sys.modules if m.startswith("dbus_fast") and sys.modules[m] is not None]
try:
    mmsua.dbus.start(None, "session", sys.argv[1])
except mmsua.dbus.DbusUnavailable as error:
    print(error)
from mmsua.cli.main import main
sys.exit(main(["daemon", "--dbus", "--port", "/dev/null-no-modem", "--config", "/dev/null"]))
"""
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert "pip install 'mmsua[dbus]'" in result.stdout
    # The daemon says so at once, before it looks at the modem (the port here does not exist).
    assert result.returncode == 69, result.stderr
    assert result.stderr.strip().splitlines() == [
        "mmsua daemon: the D-Bus API needs the dbus extra, which is not installed: pip install 'mmsua[dbus]'"]


def test_what_chatty_reads_unchecked_is_always_there() -> None:
    """An older Chatty takes strlen of Subject and iterates Recipients and Attachments without
    a check; sxmo reads a missing Sender as "I sent it"."""
    incoming = mapping.properties(Message(1, state=MessageState.RECEIVED), (), None, None)
    assert incoming["Subject"] == ("s", "") and incoming["Sender"] == ("s", "")
    assert incoming["Recipients"] == ("as", []) and incoming["Attachments"] == ("a(ssstt)", [])
    assert "Modem Number" not in incoming and "Smil" not in incoming
    sent = mapping.properties(out(MessageState.SENT, ReportStatus.PENDING), (), None, "+1")
    assert "Sender" not in sent and sent["Modem Number"] == ("s", "+1") and sent["Delivery Report"] == ("b", True)


def test_the_hidden_list_survives_and_ignores_junk(tmp_path: Path) -> None:
    from mmsua.dbus.hidden import Hidden

    hidden = Hidden(tmp_path / "att")
    hidden.add(5)
    hidden.add(7)
    hidden.discard(5)
    assert hidden.path.stat().st_mode & 0o777 == 0o600
    hidden.path.write_text(hidden.path.read_text() + "junk\n-3\n\n12\n")
    again = Hidden(tmp_path / "att")
    again.load()
    assert 7 in again and 12 in again and 5 not in again and -3 not in again
