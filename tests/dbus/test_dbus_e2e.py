"""End to end: a client that speaks only mmsd-tng's D-Bus API lists, reads and sends MMS
through mmsua on the simulated carrier, called the way Chatty (gdbus-style calls) and sxmo
(dbus-send lines from sxmo_mms.sh) call mmsd-tng, signals watched with dbus-monitor."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any

import pytest
from busclient import FRIEND, PEER, run, wait_for

SERVICE = "/org/ofono/mms/modemmanager"


def gdbus(env: dict[str, str], path: str, method: str, *args: str, check: bool = True) -> Any:
    return run(["gdbus", "call", "--session", "--dest", "org.ofono.mms", "--object-path", path, "--method", method, *args], env, check)


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(out, "PNG")
    return out.getvalue()


async def _python_client(address: str, received: list[Any]) -> Any:
    """A dbus-fast client, as a Python program would be: GetMessages and MessageAdded."""
    from dbus_fast.aio import MessageBus

    bus = await MessageBus(bus_address=address).connect()
    introspection = await bus.introspect("org.ofono.mms", SERVICE)
    service = bus.get_proxy_object("org.ofono.mms", SERVICE, introspection).get_interface("org.ofono.mms.Service")
    service.on_message_added(lambda path, props: received.append((path, {k: v.value for k, v in props.items()})))
    return bus, service


def test_a_received_mms_is_announced_with_readable_attachments(carrier, agent, me, served, bus_address, bus_env, monitor) -> None:
    """MessageAdded carries the mmsd-tng properties; each attachment is (id, type, file, offset,
    length) into one file per message, from which the sent picture comes back byte for byte."""
    from mmsua.codec.multipart import Part

    picture = png()
    mon = monitor()
    added: list[Any] = []
    loop = asyncio.new_event_loop()
    try:
        bus, _service = loop.run_until_complete(_python_client(bus_address, added))
        carrier.send_mms(FRIEND, [me], subject="a picture", parts=(Part.make(b"look at this", "text/plain", charset="utf-8"),
                                                                   Part.make(picture, "image/png", name="../../evil.png")))
        wait_for("MessageAdded reached the Python client", lambda: loop.run_until_complete(asyncio.sleep(0.05)) or added)
        bus.disconnect()
    finally:
        loop.close()
    path, props = added[0]
    assert re.fullmatch(SERVICE + r"/[0-9]+", path)
    assert props["Status"] == "received" and props["Sender"] == FRIEND and props["Subject"] == "a picture"
    assert me in props["Recipients"] and props["Modem Number"] == me
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", props["Date"])
    by_type = {a[1].split(";")[0]: a for a in props["Attachments"]}
    assert set(by_type) == {"text/plain", "image/png"}  # the SMIL is the Smil property, not an attachment
    ident, _, file, offset, length = by_type["image/png"]
    assert "/" not in ident and not ident.startswith(".")  # a name a client may use as a file name
    data = Path(file).read_bytes()
    assert data[offset:offset + length] == picture
    text = by_type["text/plain"]
    assert data[text[3]:text[3] + text[4]] == b"look at this"
    assert all(a[2] == file for a in props["Attachments"])  # Chatty cuts every part out of the first one's file
    assert Path(file).stat().st_mode & 0o777 == 0o600 and Path(file).parent.stat().st_mode & 0o777 == 0o700
    assert Path(file).name == path.rsplit("/", 1)[1]  # sxmo reads <its MMS directory>/<last element of the path>
    wait_for("dbus-monitor saw MessageAdded", lambda: f"MessageAdded {SERVICE}" in mon.members())

    # sxmo's lines: list, then MarkRead and Delete with dbus-send.
    listing = run(["dbus-send", "--dest=org.ofono.mms", "--print-reply", SERVICE, "org.ofono.mms.Service.GetMessages"], bus_env).stdout
    assert f'object path "{path}"' in listing and 'string "received"' in listing
    run(["dbus-send", "--dest=org.ofono.mms", "--print-reply", path, "org.ofono.mms.Message.MarkRead"], bus_env)
    wait_for("PropertyChanged Status read", lambda: f"PropertyChanged {path}" in mon.members() and 'string "read"' in mon.text())
    assert agent.show_message(int(path.rsplit("/", 1)[1])).read
    run(["dbus-send", "--dest=org.ofono.mms", "--print-reply", path, "org.ofono.mms.Message.Delete"], bus_env)
    wait_for("MessageRemoved", lambda: f"MessageRemoved {SERVICE}" in mon.members())
    assert not Path(file).exists()
    from mmsua.api.errors import NotFound

    with pytest.raises(NotFound):
        agent.show_message(int(path.rsplit("/", 1)[1]))
    gone = gdbus(bus_env, path, "org.ofono.mms.Message.MarkRead", check=False)
    assert gone.returncode != 0 and "org.freedesktop.DBus.Error.Unknown" in gone.stderr  # its object is gone


def test_a_send_through_d_bus_reaches_the_mmsc(carrier, agent, served, bus_env, monitor, tmp_path: Path) -> None:
    """Chatty's SendMessage: recipients, options a{sv} in a variant, (id, type, file) tuples with the
    typed words as a text/plain file. MessageAdded (draft) comes before the answer, then Status sent."""
    from mmsua.codec.mms import MessageType

    words = tmp_path / "chatty-mms-text.txt"
    words.write_text("hello from chatty")
    picture = tmp_path / "photo.png"
    picture.write_bytes(png())
    mon = monitor()
    before = len(carrier.mmsc.received)
    answer = gdbus(bus_env, SERVICE, "org.ofono.mms.Service.SendMessage", f"['{PEER}']",
                   "<{'Smil': <''>, 'DeliveryReport': <false>, 'Subject': <'from d-bus'>}>",
                   f"[('message-contents.txt', 'text/plain', '{words}'), ('photo-00002.png', 'image/png', '{picture}')]").stdout
    path = re.search(r"objectpath '([^']+)'", answer).group(1)
    wait_for("Status sent", lambda: 'string "sent"' in mon.text())
    signals = mon.members()
    assert signals[0] == f"MessageAdded {SERVICE}" and f"PropertyChanged {path}" in signals
    assert mon.text().index('string "draft"') < mon.text().index('string "sent"')

    send_req = next(p for p in list(carrier.mmsc.received)[before:] if p.message_type == MessageType.M_SEND_REQ)
    assert [a.value for a in send_req.to] == [PEER] and send_req.subject == "from d-bus"
    assert send_req.delivery_report is False
    bodies = {p.content_type.media_type: p.data for p in send_req.parts}
    assert bodies["text/plain"] == b"hello from chatty" and bodies["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    message = agent.show_message(int(path.rsplit("/", 1)[1]))
    assert message.outgoing and message.state == "sent" and message.text == "hello from chatty"


def test_mmsd_s_older_send_form_and_bad_sends(served, bus_env, tmp_path: Path) -> None:
    """mmsd's first SendMessage took the SMIL text where mmsd-tng takes options; both work.
    Bad input is answered with mmsd's error names and what is wrong."""
    words = tmp_path / "t.txt"
    words.write_text("old style")
    answer = gdbus(bus_env, SERVICE, "org.ofono.mms.Service.SendMessage", f"['{PEER}']", "<'<smil></smil>'>",
                   f"[('cid-1', 'text/plain', '{words}')]").stdout
    assert "objectpath '/org/ofono/mms/modemmanager/" in answer

    def refused(*args: str) -> str:
        result = gdbus(bus_env, SERVICE, "org.ofono.mms.Service.SendMessage", *args, check=False)
        assert result.returncode != 0
        return result.stderr

    assert "org.ofono.mms.Error.InvalidArguments" in refused("@as []", "<''>", "@a(sss) []")
    assert "not a regular file" in refused(f"['{PEER}']", "<''>", "[('z', 'image/png', '/dev/zero')]")
    assert "cannot read attachment" in refused(f"['{PEER}']", "<''>", f"[('z', 'image/png', '{tmp_path}/missing.png')]")
    assert "InvalidArguments" in refused(f"['{PEER}']", "<@a{sv} {'Subject': <7>}>", "@a(sss) []")
    many = ", ".join(f"('{i}', 'text/plain', '{words}')" for i in range(26))
    assert "MaxAttachments" in refused(f"['{PEER}']", "<''>", f"[{many}]")
    assert "InvalidArguments" in refused("['not a number']", "<''>", f"[('cid-1', 'text/plain', '{words}')]")


def test_service_and_settings_as_chatty_reads_them(served, bus_env, monitor) -> None:
    """GetServices lists the one service at the path Chatty looks for, with an Identity;
    GetProperties and SetProperty hold the four properties Chatty reads; ViewSettings shows the
    daemon's MMS settings; what mmsua cannot do over D-Bus says so."""
    services = gdbus(bus_env, "/org/ofono/mms", "org.ofono.mms.Manager.GetServices").stdout
    assert "objectpath '/org/ofono/mms/modemmanager'" in services and "'Identity'" in services
    props = gdbus(bus_env, SERVICE, "org.ofono.mms.Service.GetProperties").stdout
    for name in ("UseDeliveryReports", "AutoCreateSMIL", "TotalMaxAttachmentSize", "MaxAttachments"):
        assert f"'{name}'" in props
    mon = monitor()
    gdbus(bus_env, SERVICE, "org.ofono.mms.Service.SetProperty", "UseDeliveryReports", "<true>")
    assert "'UseDeliveryReports': <true>" in gdbus(bus_env, SERVICE, "org.ofono.mms.Service.GetProperties").stdout
    wait_for("PropertyChanged on the service", lambda: f"PropertyChanged {SERVICE}" in mon.members())
    wrong = gdbus(bus_env, SERVICE, "org.ofono.mms.Service.SetProperty", "UseDeliveryReports", "<'yes'>", check=False)
    assert "InvalidArguments" in wrong.stderr

    settings = gdbus(bus_env, "/org/ofono/mms", "org.ofono.mms.ModemManager.ViewSettings").stdout
    assert "'CarrierMMSC': <'http://mmsc.example/mms'>" in settings and "'CarrierMMSProxy': <'NULL'>" in settings
    change = gdbus(bus_env, "/org/ofono/mms", "org.ofono.mms.ModemManager.ChangeSettings", "CarrierMMSC", "<'http://x'>", check=False)
    assert "org.ofono.mms.Error.NotSupported" in change.stderr and "configuration" in change.stderr
    gdbus(bus_env, "/org/ofono/mms", "org.ofono.mms.ModemManager.ChangeSettings", "AutoProcessSMSWAP", "<true>")
    gdbus(bus_env, "/org/ofono/mms", "org.ofono.mms.ModemManager.ProcessMessageQueue")
    push = gdbus(bus_env, "/org/ofono/mms", "org.ofono.mms.ModemManager.PushNotify", "@ay [1, 2]", check=False)
    assert "NotSupported" in push.stderr


def test_get_conversation_and_sms_stay_out(carrier, agent, me, served, bus_env) -> None:
    """GetConversation(number, count) gives the MMS whose sender or recipients end with the
    digits; SMS are not org.ofono.mms's (Chatty takes them from ModemManager)."""
    carrier.send_mms(FRIEND, [me], subject="one", text="1")
    carrier.send_mms(FRIEND, [me], subject="two", text="2")
    carrier.send_sms(me, "an sms", originator=FRIEND)

    def kinds() -> list[str]:
        return sorted(m.kind for c in agent.list_conversations() for m in agent.list_messages(c.id) if m.state == "received")

    wait_for("two MMS and the SMS stored", lambda: kinds() == ["mms", "mms", "sms"])
    both = gdbus(bus_env, SERVICE, "org.ofono.mms.Service.GetConversation", FRIEND[-4:], "0").stdout
    assert "'one'" in both and "'two'" in both and "an sms" not in both
    last = gdbus(bus_env, SERVICE, "org.ofono.mms.Service.GetConversation", FRIEND[-4:], "1").stdout
    assert "'two'" in last and "'one'" not in last
    assert "[]" in gdbus(bus_env, SERVICE, "org.ofono.mms.Service.GetConversation", "0000000", "0").stdout
    everything = gdbus(bus_env, SERVICE, "org.ofono.mms.Service.GetMessages").stdout
    assert len(re.findall(r"'/org/ofono/mms/modemmanager/[0-9]+'", everything)) == 2 and "an sms" not in everything


def test_from_python_the_send_is_announced_before_its_answer(agent, served, bus_address, tmp_path: Path) -> None:
    """A Python client: MessageAdded of its own SendMessage is in hand when the answer comes
    (mmsd-tng's order); a send by another client of the daemon (here the API itself, as
    `mmsua send` does over the socket) is announced too."""
    from mmsua.api.shapes import SendRequest

    words = tmp_path / "w.txt"
    words.write_text("from python")
    added: list[Any] = []

    async def scenario() -> tuple[str, list[str]]:
        from dbus_fast import Variant

        bus, service = await _python_client(bus_address, added)
        path = await service.call_send_message([PEER], Variant("a{sv}", {"Subject": Variant("s", "py")}),
                                               [["message-contents.txt", "text/plain", str(words)]])
        seen_at_answer = [p for p, _ in added]
        agent.send(SendRequest(to=(PEER,), text="from another client", via="mms"))
        for _ in range(600):
            if len(added) >= 2:
                break
            await asyncio.sleep(0.05)
        bus.disconnect()
        return path, seen_at_answer

    path, seen_at_answer = asyncio.run(scenario())
    assert seen_at_answer == [path]
    assert added[0][1]["Status"] == "draft" and added[0][1]["Subject"] == "py"
    assert len(added) == 2 and added[1][1]["Status"] in ("draft", "sent") and added[1][0] != path


def test_hide_keeps_what_a_client_deletes_for_mmsua(carrier, agent, me, bus_address, bus_env, monitor, tmp_path: Path) -> None:
    """dbus.delete = "hide": Chatty's Delete after copying a message removes it from D-Bus only;
    mmsua keeps it, and it stays hidden after a restart; deleted in mmsua, it leaves the list."""
    from mmsua import dbus

    files = tmp_path / "att"
    service = dbus.start(agent, "session", files, address=bus_address, delete="hide")
    try:
        mon = monitor()
        carrier.send_mms(FRIEND, [me], subject="keep me", text="kept")
        wait_for("MessageAdded", lambda: f"MessageAdded {SERVICE}" in mon.members() and "keep me" in mon.text())
        path = re.search(r'object path "(/org/ofono/mms/modemmanager/[0-9]+)"', mon.text()).group(1)
        message_id = int(path.rsplit("/", 1)[1])
        run(["dbus-send", "--dest=org.ofono.mms", "--print-reply", path, "org.ofono.mms.Message.Delete"], bus_env)
        wait_for("MessageRemoved", lambda: f"MessageRemoved {SERVICE}" in mon.members())
        assert agent.show_message(message_id).subject == "keep me"  # still mmsua's
        assert "keep me" not in gdbus(bus_env, SERVICE, "org.ofono.mms.Service.GetMessages").stdout
        assert not (files / str(message_id)).exists()
        again = gdbus(bus_env, path, "org.ofono.mms.Message.Delete", check=False)
        assert again.returncode != 0
    finally:
        service.stop()
    service = dbus.start(agent, "session", files, address=bus_address, delete="hide")
    try:
        assert "keep me" not in gdbus(bus_env, SERVICE, "org.ofono.mms.Service.GetMessages").stdout
        agent.delete(message_id)
        wait_for("the hidden list forgets a message deleted in mmsua", lambda: str(message_id) not in (files / "hidden").read_text())
    finally:
        service.stop()
