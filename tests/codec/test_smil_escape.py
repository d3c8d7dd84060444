"""SMIL attribute escaping: our own quote_attribute, read back by a real XML parser,
and the SMIL codec no longer loading xml.sax (and with it urllib.request and ssl)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from mmsua.codec.multipart import Part
from mmsua.codec.smil import make_smil, quote_attribute
from mmsua.codec.wsp import ContentType

# Characters XML 1.0 allows in a document (section 2.2): tab, LF, CR and from U+0020 on, no surrogates.
_xml_char = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff").filter(
    lambda c: c in "\t\n\r" or ord(c) >= 0x20
)


@settings(max_examples=200)
@given(st.text(_xml_char, max_size=40))
def test_any_value_reads_back_exactly(value: str) -> None:
    element = ET.fromstring(f"<ref src={quote_attribute(value)}/>")
    assert element.get("src") == value


def test_the_markup_characters_are_escaped() -> None:
    assert quote_attribute('a&b<c>d"e\'f') == '"a&amp;b&lt;c&gt;d&quot;e\'f"'
    assert quote_attribute("x\ty\nz\r") == '"x&#9;y&#10;z&#13;"'  # a parser would turn them into spaces


def test_a_part_name_with_markup_stays_one_attribute() -> None:
    part = Part(ContentType("image/jpeg"), b"\xff\xd8", content_location='x" onload="evil<&>.jpg')
    document = ET.fromstring(make_smil([part]))
    img = document.find("body/par/img")
    assert img is not None and img.get("src") == 'x" onload="evil<&>.jpg' and img.get("onload") is None


def test_the_smil_codec_loads_neither_xml_sax_nor_ssl() -> None:
    code = "import sys, mmsua.codec.smil; print(sorted(m for m in ('xml.sax', 'urllib.request', 'http.client', 'ssl') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
