"""`mmsua decode`'s rows for application headers the sender named: a blank name is
labelled, and a name is sanitised like every other text from the network."""

from __future__ import annotations

from mmsua.codec.mms.pdu import Header, MessageType, MmsPdu
from mmsua.dump import mms_lines


def _pdu(*headers: Header) -> MmsPdu:
    return MmsPdu(message_type=MessageType.M_RETRIEVE_CONF, transaction_id="1234", extra_headers=headers)


def test_a_blank_application_header_is_labelled_not_a_row_of_dots() -> None:
    # gammu-worldcupupdate-withsmil-retrieve-conf.mms carries Header(name=' ', value='').
    lines = mms_lines(_pdu(Header(name=" ", value="")))
    assert "  (unnamed header) ..... (empty)" in lines
    assert not any(line.strip().strip(".") == "" for line in lines)


def test_an_application_header_name_with_terminal_controls_is_sanitised() -> None:
    lines = mms_lines(_pdu(Header(name="X-\x1b[2JEvil", value="v")))
    assert not any("\x1b" in line for line in lines)
