"""Generate the SMIL presentation part that M-Send.req bodies start with."""

from __future__ import annotations

from collections.abc import Iterable

from mmsua.codec.errors import PduError
from mmsua.codec.multipart import Part

__all__ = ["make_smil", "smil_src", "quote_attribute"]

# XML 1.0 section 3.3.3: a literal tab, newline or carriage return in an attribute
# value is normalised to a space by the parser, so they travel as character references.
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                                    "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})


def quote_attribute(value: str) -> str:
    """An XML attribute value, double-quoted and escaped (xml.sax.saxutils.quoteattr
    would do, but importing it loads urllib, http.client and ssl into the daemon)."""
    return '"' + value.translate(_ATTRIBUTE_ESCAPES) + '"'


def smil_src(part: Part) -> str:
    """How the SMIL refers to a part: its Content-Location, else its Content-ID as cid:."""
    if part.content_location:
        return part.content_location
    if part.content_id:
        return "cid:" + part.content_id.strip("<>")
    if part.name:
        return part.name
    raise PduError("a part referenced from SMIL needs a Content-Location, Content-ID or name")


def _element(part: Part) -> tuple[str, str]:
    media = part.content_type.media_type
    if media.startswith("image/"):
        return "img", "Image"
    if media.startswith("text/"):
        return "text", "Text"
    if media.startswith("audio/"):
        return "audio", ""
    if media.startswith("video/"):
        return "video", "Image"
    return "ref", ""


def make_smil(parts: Iterable[Part], *, slide_ms: int = 5000) -> bytes:
    """A SMIL 1.0/MMS-profile document with one slide per image/video/audio part;
    each text part joins the slide of the media before it (or opens its own)."""
    slides: list[list[Part]] = []
    for part in parts:
        if part.content_type.media_type == "application/smil":
            continue
        kind, _region = _element(part)
        if kind == "text" and slides and all(_element(p)[0] != "text" for p in slides[-1]):
            slides[-1].append(part)
        else:
            slides.append([part])
    has_image = any(_element(p)[1] == "Image" for s in slides for p in s)
    has_text = any(_element(p)[1] == "Text" for s in slides for p in s)
    lines = ["<smil>", "<head>", "<layout>", '<root-layout width="100%" height="100%"/>']
    if has_image:
        lines.append(f'<region id="Image" left="0" top="0" width="100%" height="{"70%" if has_text else "100%"}" fit="meet"/>')
    if has_text:
        lines.append(f'<region id="Text" left="0" top="{"70%" if has_image else "0"}" width="100%" height="{"30%" if has_image else "100%"}" fit="scroll"/>')
    lines += ["</layout>", "</head>", "<body>"]
    for slide in slides:
        lines.append(f'<par dur="{slide_ms}ms">')
        for part in slide:
            kind, region = _element(part)
            region_attr = f" region={quote_attribute(region)}" if region else ""
            lines.append(f"<{kind} src={quote_attribute(smil_src(part))}{region_attr}/>")
        lines.append("</par>")
    lines += ["</body>", "</smil>"]
    return ("\n".join(lines) + "\n").encode("utf-8")
