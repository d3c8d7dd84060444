"""A picture fetched from an HTTP(S) URL on the allow-list (a camera's snapshot URL),
with a size bound and a time bound; redirects are not followed (they could leave the list)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from mmsua.api.errors import BadRequest, TooLarge, Unavailable

CHUNK = 65536


def _origin(url: str) -> tuple[str, str, int, str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80), parts.path or "/"


def allowed(url: str, prefixes: tuple[str, ...]) -> bool:
    """Scheme, host and port equal to a prefix's, and the path under its path."""
    origin = _origin(url)
    if origin is None or "/../" in origin[3] or origin[3].endswith("/.."):
        return False
    for prefix in prefixes:
        want = _origin(prefix)
        if want is not None and origin[:3] == want[:3] and origin[3].startswith(want[3]):
            return True
    return False


def fetch(url: str, prefixes: tuple[str, ...], max_size: int, timeout: float) -> tuple[bytes, str | None]:
    """(bytes, the response's content type); BadRequest when not allowed, TooLarge, Unavailable."""
    if not allowed(url, prefixes):
        raise BadRequest("the URL is not on mqtt.fetch_allow")
    import requests

    deadline = time.monotonic() + timeout
    try:
        with requests.Session() as session:
            session.trust_env = False  # no proxy or .netrc from the daemon's environment
            with session.get(url, stream=True, timeout=(timeout, timeout), allow_redirects=False) as response:
                if response.status_code != 200:
                    raise Unavailable(f"the URL answered HTTP {response.status_code}")
                length = response.headers.get("Content-Length")
                if length is not None and length.isdigit() and int(length) > max_size:
                    raise TooLarge(f"the URL's picture has {length} bytes; at most {max_size} (mqtt.fetch_max)")
                data = bytearray()
                for chunk in response.iter_content(CHUNK):
                    data += chunk
                    if len(data) > max_size:
                        raise TooLarge(f"the URL's picture is larger than {max_size} bytes (mqtt.fetch_max)")
                    if time.monotonic() > deadline:
                        raise Unavailable(f"the URL took longer than {timeout:g} s (mqtt.fetch_timeout)")
                content_type = response.headers.get("Content-Type")
    except requests.RequestException as error:
        raise Unavailable(f"cannot fetch the URL: {type(error).__name__}") from None
    if not data:
        raise Unavailable("the URL gave no bytes")
    if content_type is not None:
        content_type = content_type.split(";")[0].strip().lower()[:100] or None
    return bytes(data), content_type
