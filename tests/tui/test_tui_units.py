"""The TUI's pure helpers: vCard reading, recipients, the size meter, safe display text."""

from __future__ import annotations

from pathlib import Path

from mmsua.api import shapes
from mmsua.api.shapes import Message
from mmsua.tui.contacts import Contacts, normalise, parse_vcards
from mmsua.tui.display import human_size, safe_block, safe_line
from mmsua.tui.recipients import parse
from mmsua.tui.sizing import Attachment, estimate

VCARDS = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen\r\n"
    "TEL;CELL:+49 151 1234 5678\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\n Marie\nitem1.TEL;TYPE=CELL:tel:+1-555-123-4567\nEMAIL:ann@example.org\nEND:VCARD\n"
    "BEGIN:VCARD\nVERSION:4.0\nFN:No Number\nEND:VCARD\n"
)


def test_vcards_of_each_version_are_read() -> None:
    cards = parse_vcards(VCARDS)
    assert [(c.name, c.addresses) for c in cards] == [
        ("Jürgen Müller", ("+49 151 1234 5678",)),  # 2.1 quoted-printable N
        ("AnnMarie", ("+1-555-123-4567", "ann@example.org")),  # folded FN, grouped TEL as a tel: URI
    ]  # a card with no address is skipped


def test_numbers_match_in_any_form() -> None:
    contacts = Contacts(parse_vcards(VCARDS))
    assert contacts.name_for("+4915112345678") == "Jürgen Müller"
    assert contacts.name_for("004915112345678") == "Jürgen Müller"
    assert contacts.name_for("015112345678") == "Jürgen Müller"  # national form: last nine digits
    assert contacts.name_for("ANN@example.org") == "AnnMarie"
    assert contacts.label("+15550000000") == "+15550000000"
    assert normalise("+1 (555) 123-4567/TYPE=PLMN") == "+15551234567"
    assert contacts.complete("mül") == [("Jürgen Müller", "+49 151 1234 5678")]


def test_a_missing_contacts_file_means_no_names(tmp_path: Path) -> None:
    assert Contacts.load(None).cards == []


def test_recipients_are_validated() -> None:
    good, bad = parse("+44 7700 900123, bob@example.org; 0151-1234, nobody, +")
    assert good == ["+447700900123", "bob@example.org", "01511234"]
    assert bad == ["nobody", "+"]


def test_size_meter_scales_pictures_and_refuses_what_cannot_fit(tmp_path: Path) -> None:
    small = estimate("hello", "", [], 300 * 1024)
    assert small.fits and not small.scaled and small.total < 1024
    photo = Attachment(tmp_path / "p.jpg", "image/jpeg", 2_000_000)
    big = estimate("hi", "", [photo], 300 * 1024)
    assert big.total > big.limit and big.fits and big.scaled == (photo,)
    video = Attachment(tmp_path / "v.3gp", "video/3gpp", 600_000)
    too_big = estimate("", "", [video, photo], 300 * 1024)
    assert not too_big.fits


def test_display_text_is_sanitised_bounded_and_never_markup() -> None:
    line = safe_line("[bold red]x[/] \x1b[31mred\x1b[0m\x07 \u202eevil", limit=100)
    assert line.plain == "[bold red]x[/] red\ufffd \ufffdevil"
    assert line.spans == []  # nothing was interpreted as style
    huge = safe_line("S" * 10_000_000, limit=200)  # only the first 800 characters are looked at
    assert len(huge.plain) == 200 and huge.plain.endswith("\u2026")
    block = safe_block("a\nb" * 20_000, limit=1000)
    assert "more characters not shown" in block.plain
    assert human_size(999) == "999 B" and human_size(12_288) == "12 KB" and human_size(1_240_000) == "1.2 MB"


def test_messages_read_from_api_dicts_with_missing_fields() -> None:
    message = Message.from_json({"id": 3, "direction": "in", "state": "deferred", "from": None, "subject": None,
                                "date": "2023-11-14T22:13:20Z", "parts": [{"index": 0, "content_type": "IMAGE/JPEG", "name": None, "size": 5}]})
    from mmsua.tui.display import moment

    assert message.pending and message.sender is None and message.subject is None
    assert (date := moment(message.date)) is not None and date.year == 2023
    assert message.attachments[0].is_image


def test_status_bar_fits_a_narrow_terminal_keeping_the_daemon_link() -> None:
    from mmsua.tui.model import Status
    from mmsua.tui.widgets.status_bar import status_line

    status = Status("Quectel EG25", "SimCarrier", 60, "home", "up", "", 2, 1)
    wide = status_line(status, "daemon /run/user/1000/mmsua/api.sock", True).plain
    assert "SimCarrier" in wide and "Quectel EG25" in wide and "2 queued" in wide
    narrow = status_line(status, "daemon /run/user/1000/mmsua/api.sock", False, width=90)
    assert narrow.cell_length <= 90 and "SimCarrier" not in narrow.plain  # the operator went first
    assert "disconnected" in narrow.plain and "home" in narrow.plain and "1 to download" in narrow.plain
    tiny = status_line(status, "daemon /run/user/1000/mmsua/api.sock", False, width=50)
    assert tiny.cell_length <= 50 and "disconnected" in tiny.plain


def test_status_bar_says_why_the_modem_or_data_path_failed() -> None:
    from mmsua.tui.model import Status
    from mmsua.tui.widgets.status_bar import status_line

    status = Status.from_api(shapes.Status.from_json({"modem": None, "registration": "unknown", "data_path": "error",
                              "modem_error": {"reason": "cannot open port /dev/ttyUSB2: no such device\x1b[2J", "at": "2026-11-25T20:31:00Z"},
                              "data_path_error": None}))
    assert status.problem.startswith("cannot open port /dev/ttyUSB2: no such device")
    wide = status_line(status, "daemon", True).plain
    assert "no modem" in wide and "cannot open port /dev/ttyUSB2" in wide and "\x1b" not in wide
    narrow = status_line(status, "daemon /run/user/1000/mmsua/api.sock", True, width=60).plain
    assert "cannot open" not in narrow and "not registered" in narrow  # the reason goes first; the log screen keeps it
    data = Status.from_api(shapes.Status.from_json({"modem": {"manufacturer": "Quectel", "model": "EG25"}, "data_path": "error",
                            "data_path_error": {"reason": 'set mms.pdp_type = "IPV6"', "at": "2026-11-25T20:31:00Z"}}))
    assert data.problem == 'set mms.pdp_type = "IPV6"'
    assert Status.from_api(shapes.Status.from_json({"modem": None})).problem == ""


def test_status_bar_names_each_of_several_modems_with_its_signal_and_registration() -> None:
    from mmsua.tui.model import Status
    from mmsua.tui.widgets.status_bar import status_line

    status = Status.from_api(shapes.Status.from_json({
        "modem": {"manufacturer": "Quectel", "model": "EG25"}, "registration": "home", "signal": 60,
        "modems": [{"name": "home", "registration": "home", "signal": 60},
                   {"name": "work\x1b[31m", "registration": "roaming", "signal": 20, "data_path": "error"}]}))
    wide = status_line(status, "daemon", True).plain
    assert wide.index("home") < wide.index("Quectel EG25") < wide.index("work")
    assert "roaming" in wide and "✗" in wide and "\x1b" not in wide  # a failing second modem is marked
    narrow = status_line(status, "daemon /run/user/1000/mmsua/api.sock", True, width=60).plain
    assert "home" in narrow and len(narrow) <= 60
    assert Status.from_api(shapes.Status.from_json({"modem": None, "modems": [{"name": "modem"}]})).others == ()


def test_docs_key_reference_matches_the_action_registry() -> None:
    from mmsua.tui.screens.help import markdown_reference

    docs = (Path(__file__).resolve().parents[2] / "docs" / "tui.md").read_text()
    start, end = "<!-- keys:start (generated by mmsua.tui.screens.help.markdown_reference) -->", "<!-- keys:end -->"
    shown = docs[docs.index(start) + len(start):docs.index(end)].strip()
    assert shown == markdown_reference().strip(), "docs/tui.md's key table is stale: paste markdown_reference() into it"


def test_codes_and_links_are_found_and_bounded() -> None:
    from mmsua.tui.extract import MAX_ITEMS, codes, copyables, links

    text = "Your code is 482913 (G-123456). Call +447700900123 or 07700900123; pi 3.14159; 12.5.2024; see https://x.test/a?b=1)."
    assert codes(text) == ["482913", "123456"]  # not part of a phone number, a decimal or a date
    assert links("go to www.example.org, or https://x.test/a?b=1).") == ["www.example.org", "https://x.test/a?b=1"]
    assert len(codes(" ".join(str(1000 + i) for i in range(5000)))) == MAX_ITEMS
    items = copyables("\x1b]52;c;ZXZpbA==\x07code 1234 \x1b[31mred")
    assert [i.kind for i in items] == ["text", "code"] and all("\x1b" not in i.value and "\x07" not in i.value for i in items)


def test_the_plan_line_says_kind_size_reason_and_problems() -> None:
    from mmsua.api.shapes import SendPlan
    from mmsua.tui.plan import headline, plan_line, switched

    sms = SendPlan("sms", "text to one person", switchable=True, sms_parts=2, sms_chars_left=87)
    assert headline(sms) == "SMS · 2 parts · 87 left"
    assert "^r: send as MMS" in plan_line(sms, "auto").plain and "^r: back to MMS" in plan_line(sms, "sms").plain
    mms = SendPlan("mms", "has an attachment", messages=3, mms_size=214 * 1024, mms_limit=1024 * 1024, problems=("[bold]too big\x1b[31m",))
    assert headline(mms) == "MMS · 214 KB of 1.0 MB · 3 messages"
    assert "cannot send: [bold]too big" in plan_line(mms, "auto").plain and "\x1b" not in plan_line(mms, "auto").plain
    assert switched(sms, "sms") == "mms" and switched(SendPlan("mms", "you chose MMS", switchable=True), "sms") == "auto"
