"""Where log records go while a command runs: never onto the TUI's screen."""

from __future__ import annotations


class console_logging:  # noqa: N801 - used as a context manager, reads like one
    """Log records must not reach the terminal under the TUI (they would tear its screen);
    mmsua's INFO records still reach the TUI's log screen through the daemon's events.
    In the scripted mode the console shows warnings only (more with -v)."""

    def __init__(self, *, tui: bool) -> None:
        self.tui = tui

    def __enter__(self) -> None:
        import logging

        root = logging.getLogger()
        self._saved = (list(root.handlers), [h.level for h in root.handlers], logging.getLogger("mmsua").level)
        if self.tui:
            for handler in root.handlers[:]:
                root.removeHandler(handler)
            root.addHandler(logging.NullHandler())  # not Python's last-resort handler on stderr
            logging.getLogger("mmsua").setLevel(logging.INFO)
        else:
            for handler in root.handlers:
                handler.setLevel(max(handler.level, root.level))

    def __exit__(self, *exc: object) -> None:
        import logging

        root = logging.getLogger()
        handlers, levels, mmsua_level = self._saved
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler, level in zip(handlers, levels, strict=False):
            handler.setLevel(level)
            root.addHandler(handler)
        logging.getLogger("mmsua").setLevel(mmsua_level)
