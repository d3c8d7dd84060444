"""The daemon's contact book: a file or a folder of .vcf files, bounded, read again when changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mmsua.engine import contact_book
from mmsua.engine.contact_book import ContactBook


def card(name: str, number: str) -> str:
    return f"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:{name}\r\nTEL:{number}\r\nEND:VCARD\r\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_single_file_is_read_and_read_again_once_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "all.vcf"
    path.write_text(card("Ann", "+447700900123") + card("Bob", "07700 900456"))
    clock = Clock()
    book = ContactBook(lambda: str(path), clock)
    assert book.name_for("+447700900456") == "Bob" and book.name_for("07700900123") == "Ann"
    path.write_text(card("Ann Other", "+447700900123"))
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    assert book.name_for("+447700900123") == "Ann"  # not looked at again before RECHECK
    clock.now += contact_book.RECHECK
    assert book.name_for("+447700900123") == "Ann Other" and book.name_for("+447700900456") is None


def test_oversized_files_and_cards_beyond_the_bound_are_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contact_book, "MAX_FILE", 500)
    monkeypatch.setattr(contact_book, "MAX_CARDS", 3)
    (tmp_path / "a-big.vcf").write_text(card("Big", "+15550000001") + "NOTE:" + "x" * 600 + "\r\n")
    for n in range(5):
        (tmp_path / f"b{n}.vcf").write_text(card(f"Person {n}", f"+1555000010{n}"))
    book = ContactBook(lambda: str(tmp_path))
    assert book.name_for("+15550000001") is None
    assert [c.name for c in book.contacts().cards] == ["Person 0", "Person 1", "Person 2"]


def test_no_path_or_a_broken_one_means_no_names(tmp_path: Path) -> None:
    assert ContactBook(lambda: "").name_for("+447700900123") is None
    assert ContactBook(lambda: str(tmp_path / "missing")).name_for("+447700900123") is None
    fifo = tmp_path / "pipe.vcf"
    os.mkfifo(fifo)
    (tmp_path / "gone.vcf").symlink_to(tmp_path / "nowhere.vcf")
    assert ContactBook(lambda: str(tmp_path)).contacts().cards == []
    (tmp_path / "ann.vcf").write_text(card("Ann", "+447700900123"))
    assert ContactBook(lambda: str(tmp_path)).name_for("+447700900123") == "Ann"  # the others cost no names


def test_a_card_whose_number_has_no_digits_names_nobody(tmp_path: Path) -> None:
    path = tmp_path / "odd.vcf"
    path.write_text(card("Ask Me", "ask me") + card("Ann", "+447700900123"))
    book = ContactBook(lambda: str(path))
    assert book.name_for("Vodafone") is None and book.name_for("+447700900123") == "Ann"
