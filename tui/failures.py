"""What the TUI does with a call to the daemon that failed.

Every worker that calls the API catches what the call raised and posts it as
:class:`ApiFailed`; the app decides: a daemon that is not there (the socket gone,
the connection lost) is shown as such and reconnected to, anything else is said
in a notification. The TUI is a client of the API only (it does not import the
socket client), so an ``Unavailable`` is told apart with a status request. Nothing
a call raises reaches Textual, whose answer to an uncaught worker error is a
traceback and the end of the app.
"""

from __future__ import annotations

from textual.message import Message as TextualMessage

from mmsua.api.errors import Unavailable


def maybe_gone(error: BaseException) -> bool:
    """Whether ``error`` may mean the daemon went away: an Unavailable is what the socket
    client raises then (its DaemonUnavailable), and also the engine's own answer for a
    modem or MMSC out of reach, so the app asks the daemon for its status to tell which;
    a socket error can escape a half-closed connection."""
    return isinstance(error, (Unavailable, OSError, ConnectionError, EOFError))


class ApiFailed(TextualMessage):
    """A call to the daemon raised ``error`` while doing ``doing`` (posted from worker threads)."""

    def __init__(self, error: BaseException, doing: str) -> None:
        super().__init__()
        self.error = error
        self.doing = doing
