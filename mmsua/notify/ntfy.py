"""ntfy: a POST to the configured topic's server, published as JSON (docs.ntfy.sh, "Publish as JSON").

``notify.ntfy`` is the topic's URL (``https://ntfy.sh/my-topic``); the message goes to
the server's root as ``{"topic", "title", "message", "tags"}``, so a title in any
language needs no header encoding. Bounded: the notice is already short, the answer
is not read past its status, and connect and read each have the notifier's timeout.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from mmsua.notify.notice import Notice

if TYPE_CHECKING:
    import requests

TOPIC = re.compile(r"[A-Za-z0-9_-]{1,64}")  # ntfy's topic names


class NtfyError(Exception):
    """The ntfy server did not take the notification."""


def split_topic(url: str) -> tuple[str, str]:
    """``https://host/path/topic`` -> (``https://host/path/``, ``topic``); ValueError when it names no topic."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http:// or https:// URL: {url!r}")
    base, _, topic = parts.path.rstrip("/").rpartition("/")
    if not TOPIC.fullmatch(topic) or parts.query or parts.fragment:
        raise ValueError(f"the URL names no ntfy topic (letters, digits, '_' and '-', at most 64) at its end: {url!r}")
    return urlunsplit((parts.scheme, parts.netloc, base + "/", "", "")), topic


class Ntfy:
    name = "ntfy"

    def __init__(self, url: str, token: str, timeout: float) -> None:
        self.server, self.topic = split_topic(url)
        self.token = token
        self.timeout = timeout
        import requests  # here, not above: the daemon checks notify.ntfy at start, and without ntfy never needs requests

        self._session: requests.Session = requests.Session()
        self._session.trust_env = True  # an https_proxy in the service's environment is honoured

    def send(self, notice: Notice, message: object = None) -> None:
        import requests

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = {"topic": self.topic, "title": notice.title, "message": notice.body, "tags": ["speech_balloon"]}
        try:
            with self._session.post(self.server, json=body, headers=headers, timeout=(self.timeout, self.timeout),
                                    stream=True, allow_redirects=False) as answer:
                if answer.status_code // 100 != 2:
                    raise NtfyError(f"the server answered {answer.status_code} {answer.reason or ''}".strip())
        except requests.RequestException as error:
            raise NtfyError(f"cannot reach {self.server}: {type(error).__name__}") from None

    def close(self) -> None:
        self._session.close()
