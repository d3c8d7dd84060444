"""What the TUI does with a call to the daemon that failed.

Every worker that calls the API catches what the call raised and posts it as
:class:`ApiFailed`; the app decides: a daemon that is not there (the socket
gone, the connection lost) is shown as such and reconnected to, anything else
is said in a notification. Nothing a call raises reaches Textual, whose answer
to an uncaught worker error is a traceback and the end of the app.
"""

from __future__ import annotations

from textual.message import Message as TextualMessage

from mmsua.daemon.client import DaemonUnavailable


def daemon_gone(error: BaseException) -> bool:
    """Whether ``error`` means the daemon is not answering (it may come back)."""
    # The socket client raises DaemonUnavailable; a socket error can still escape a
    # half-closed connection. A plain Unavailable is the engine's own answer (no modem,
    # no MMSC): the daemon is there.
    return isinstance(error, (DaemonUnavailable, OSError, ConnectionError, EOFError))


class ApiFailed(TextualMessage):
    """A call to the daemon raised ``error`` while doing ``doing`` (posted from worker threads)."""

    def __init__(self, error: BaseException, doing: str) -> None:
        super().__init__()
        self.error = error
        self.doing = doing

    @property
    def daemon_gone(self) -> bool:
        return daemon_gone(self.error)
