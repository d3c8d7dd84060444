from mmsua.textsafe import clean_line, clean_text, safe_filename


def test_escape_sequences_are_removed_whole() -> None:
    hostile = "hi\x1b[2J\x1b]0;pwned\x07\x1b[31mred\x9b"
    cleaned = clean_text(hostile)
    assert "\x1b" not in cleaned and "\x07" not in cleaned and "\x9b" not in cleaned
    assert cleaned.startswith("hired")


def test_bidi_overrides_are_neutralised() -> None:
    assert "\u202e" not in clean_line("abc\u202etxt.exe")


def test_newlines_kept_or_folded() -> None:
    assert clean_text("a\r\nb") == "a\nb"
    assert clean_line("a\nb\tc") == "a b c"


def test_limit_truncates_with_ellipsis() -> None:
    assert clean_line("x" * 50, limit=10) == "x" * 9 + "\u2026"


def test_filenames_cannot_escape_the_directory() -> None:
    for hostile in ("../../etc/passwd", "/etc/shadow", "..", ".bashrc", "a\x00b", "\x1b[31m.jpg"):
        name = safe_filename(hostile)
        assert "/" not in name and not name.startswith(".") and "\x00" not in name and "\x1b" not in name
    assert safe_filename("") == "part"
    assert safe_filename("photo.jpg") == "photo.jpg"
    long = safe_filename("a" * 500 + ".jpeg")
    assert len(long) <= 120 and long.endswith(".jpeg")
