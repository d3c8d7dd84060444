"""Modem.gid1 over replayed answers (hand-written from 3GPP TS 27.007 8.18 +CRSM and
TS 31.102 4.2.10 EF-GID1: READ BINARY 176 of file 28478, length 0 for the whole file)."""

from __future__ import annotations

from pathlib import Path

import mmsua.drivers  # noqa: F401  (registers replay://)
from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.modem import Modem

HEADER = "# source: hand-written from TS 27.007 8.18 and TS 31.102 4.2.10\n"


def _gid1(tmp_path: Path, answer: str) -> str | None:
    transcript = tmp_path / "gid1.txt"
    transcript.write_text(HEADER + f"> AT+CRSM=176,28478,0,0,0\n< {answer}\n" + ("< OK\n" if "ERROR" not in answer else ""))
    channel = AtChannel(f"replay://{transcript}", sync_on_open=False, default_timeout=5.0).open()
    try:
        value = Modem(channel).gid1()
        assert channel.serial.unconsumed() == []  # type: ignore[union-attr]
        return value
    finally:
        channel.close()


def test_gid1_is_the_files_hex(tmp_path):
    assert _gid1(tmp_path, '+CRSM: 144,0,"ba01270000000000"') == "BA01270000000000"


def test_file_not_found_is_none(tmp_path):
    assert _gid1(tmp_path, "+CRSM: 106,130") is None


def test_a_modem_without_crsm_is_none(tmp_path):
    assert _gid1(tmp_path, "ERROR") is None


def test_an_answer_that_is_not_hex_is_none(tmp_path):
    assert _gid1(tmp_path, '+CRSM: 144,0,"not hex at all"') is None
