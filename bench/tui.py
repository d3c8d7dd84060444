"""The TUI with a large store (issue 13): what a person feels, each beside its goal.

Generates (once, cached under --dir) a store of 100,000 messages in 2,000
conversations, and one of a single 5,000-message conversation, with the engine's
Store API (real SQLite, batched transactions). Then, with the real `run_app` (what
`mmsua tui` runs) on a LocalClient over the engine with that store and no modem,
on a pseudo-terminal of 120x40 that this script reads and answers:

  * start to a drawn list: process start until the newest conversation's number is
    on the screen, with a terminal that answers the graphics queries (a Kitty
    terminal, --images auto), with one that answers nothing (--images none), and
    for reference auto on the silent one (goal: under 500 ms in the first two), and
    the same as the user's `mmsua tui --socket` against a daemon (this script's engine
    over the store in another process, serving the API), the usual setup; and beside
    them the floor, a bare Textual app that draws just that number. Byte-code
    is cached first (one untimed start each, without PYTHONDONTWRITEBYTECODE), as an
    installed package has it;
  * CPU per PageUp/PageDown press in the 5,000-message conversation (every thread
    of the app's process, /proc/PID/task/*/schedstat, from the key until the screen
    is quiet; goal: under 30 ms);
  * search at 100,000 messages: the app's CPU per key typed into the search field
    (the query runs once typing pauses; goal: under 10 ms), and the search itself,
    the API call the list's worker makes, for each prefix of "fox 1999" (goal: under
    30 ms);

and, headless with Textual's Pilot (its own per-key overhead included), opening a
conversation, and paging down through all 2,000 conversations, and peak RSS.

Run from the repository root:  .venv/bin/python bench/tui.py [--dir /tmp/mmsua-bench-tui]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONVERSATIONS = 2_000
MESSAGES = 100_000
BASE_DATE = 1_700_000_000.0


def generate(path: Path) -> None:
    from mmsua.store.store import Store

    store = Store(path)
    t0 = time.perf_counter()
    per = MESSAGES // CONVERSATIONS
    n = 0
    for c in range(CONVERSATIONS):
        number = f"+4477009{c:05d}"
        group = [number, f"+4477008{c:05d}"] if c % 10 == 0 else [number]
        with store.transaction():
            for i in range(per):
                out = i % 3 == 2
                store.add_message(
                    participants=group, direction="out" if out else "in", kind="mms" if i % 4 == 0 else "sms",
                    state="sent" if out else "received", sender="+15550000000" if out else group[i % len(group)],
                    to=group if out else ["+15550000000"], subject=f"Subject {n}" if i % 4 == 0 else None,
                    text=f"Message {n} in conversation {c}: the quick brown fox jumps over the lazy dog",
                    date=BASE_DATE - (CONVERSATIONS - c) * 3600 + i * 30, read=i < per - 2 or out,
                )
                n += 1
        if c % 200 == 199:
            print(f"  generated {n:,} messages in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    store.close()


def store_agent(path: Path):
    """The engine with no modem: what `mmsua tui --embedded` browses when no modem is set."""
    from mmsua.engine.agent import UserAgent
    from mmsua.store.store import Store

    return UserAgent(store=Store(path)), "mmsua.engine.agent.UserAgent, store only (no modem)"


LONG_MESSAGES = 5_000
TOP_NUMBER = b"+447700901999"  # the newest conversation of the 100,000-message store: the list is drawn
LONG_NUMBER = "+447700955555"
KEYS = {"pageup": b"\x1b[5~", "pagedown": b"\x1b[6~", "enter": b"\r", "ctrl+q": b"\x11"}


def generate_long(path: Path) -> None:
    """One conversation of 5,000 messages, texts of one to four lines."""
    from mmsua.store.store import Store

    store = Store(path)
    with store.transaction():
        for i in range(LONG_MESSAGES):
            out = i % 3 == 2
            store.add_message(participants=[LONG_NUMBER], direction="out" if out else "in", kind="sms",
                              state="sent" if out else "received", sender="+15550000000" if out else LONG_NUMBER,
                              to=[LONG_NUMBER], text=f"Message {i}: the quick brown fox jumps over the lazy dog. " * (1 + i % 4),
                              date=BASE_DATE + i * 60, read=True)
    store.close()


def bare_child() -> int:
    """The floor: a Textual app with nothing but one line, the newest number (run on the pty)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        BINDINGS = [("ctrl+q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            yield Static(TOP_NUMBER.decode())

    Bare().run()
    return 0


def child(path: str, images: str) -> int:
    """The app as `mmsua tui --embedded` runs it, on the store at ``path`` (run on the pty)."""
    if images == "bare":
        return bare_child()
    from mmsua.cli.tui import run_app
    from mmsua.daemon.client import LocalClient

    agent, _label = store_agent(Path(path))
    args = argparse.Namespace(images=images, theme="dark", save_dir=None, no_bell=True, max_message_size=None)
    return run_app(LocalClient(agent), args, None, "bench")


def serve(path: str, socket: str) -> int:
    """The engine over the store at ``path``, serving the API on ``socket`` until killed:
    the daemon that `mmsua tui` is a client of (its modem and MMSC parts are not needed)."""
    import threading

    from mmsua.daemon.server import ApiServer

    agent, _label = store_agent(Path(path))
    ApiServer(agent, Path(socket)).start()
    threading.Event().wait()
    return 0


class Daemon:
    """:func:`serve` in its own process, for the terminal's `mmsua tui --socket`."""

    def __init__(self, store: Path) -> None:
        import subprocess
        import tempfile

        self.dir = Path(tempfile.mkdtemp(prefix="mmsua-bench-tui-", dir="/tmp"))
        self.socket = self.dir / "api.sock"
        self.config = self.dir / "empty.toml"  # the settings' defaults, not this machine's file
        self.config.write_text("")
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(store), str(self.socket)])
        deadline = time.monotonic() + 60
        while not self.socket.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("the bench's daemon did not start")
            time.sleep(0.05)

    def command(self, images: str) -> list[str]:
        """The user's command: `mmsua tui` against this daemon, no config file."""
        return [sys.executable, "-m", "mmsua", "tui", "--config", str(self.config), "--socket", str(self.socket), "--images", images]

    def close(self) -> None:
        import shutil

        self.process.kill()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Terminal:
    """The app on a pseudo-terminal of 120x40; ``answers``: reply to the graphics
    queries as a Kitty terminal does (device attributes, Kitty graphics, cell size).
    ``command``: run that instead of the embedded app (`mmsua tui` against a daemon)."""

    def __init__(self, store: Path, images: str, answers: bool, command: list[str] | None = None) -> None:
        import fcntl
        import os
        import pty
        import struct
        import subprocess
        import termios

        self.answers = answers
        self.seen = b""
        self._answered: set[bytes] = set()
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        # Without PYTHONDONTWRITEBYTECODE: byte-code is cached as an installed package has it.
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TERM_PROGRAM", "PYTHONDONTWRITEBYTECODE")}
        env |= {"TERM": "xterm-256color", "XDG_STATE_HOME": str(store.parent / "state")}
        self.started = time.perf_counter()
        argv = command or [sys.executable, str(Path(__file__).resolve()), "--child", str(store), images]
        self.process = subprocess.Popen(argv,
                                        stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True, start_new_session=True)
        os.close(slave)
        self.master = master

    def read(self, timeout: float) -> bool:
        """Read what the app wrote within ``timeout`` s (and answer queries); False: nothing came."""
        import os
        import re
        import select

        if not select.select([self.master], [], [], timeout)[0]:
            return False
        try:
            self.seen += os.read(self.master, 1 << 16)
        except OSError:
            return False
        if self.answers:
            replies = {b"da1": (b"\x1b[c", b"\x1b[?62;22c"), b"cell": (b"\x1b[16t", b"\x1b[6;20;10t")}
            for name, (query, reply) in replies.items():
                if query in self.seen and name not in self._answered:
                    self._answered.add(name)
                    os.write(self.master, reply)
            kitty = re.search(rb"\x1b_Gi=(\d+),[^;]*;AAAA\x1b\\", self.seen)
            if kitty and b"tgp" not in self._answered:
                self._answered.add(b"tgp")
                os.write(self.master, b"\x1b_Gi=" + kitty.group(1) + b";OK\x1b\\")
        return True

    def wait_for(self, text: bytes, timeout: float = 60.0) -> float:
        """Seconds since the process started when ``text`` is first on the screen."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            if time.monotonic() > deadline:
                raise TimeoutError(f"never on the screen: {text!r}")
            self.read(0.05)
        return time.perf_counter() - self.started

    def quiet(self, for_seconds: float = 0.3, timeout: float = 30.0) -> None:
        """Until the app writes nothing for ``for_seconds``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.read(for_seconds):
                return

    def settle(self, timeout: float = 30.0) -> float:
        """Until the app has used under 5 ms of CPU in half a second (loading after a
        screen is drawn); returns that last half second's CPU in seconds."""
        deadline = time.monotonic() + timeout
        while True:
            before = self.cpu()
            self.quiet(0.5)
            end = time.monotonic() + 0.5
            while time.monotonic() < end:
                self.read(max(end - time.monotonic(), 0))
            used = self.cpu() - before
            if used < 0.005 or time.monotonic() > deadline:
                return used

    def cpu(self) -> float:
        """CPU seconds of every thread of the app so far (schedstat: nanoseconds on a CPU)."""
        total = 0
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # a thread that ended
        return total / 1e9

    def press(self, key: str) -> None:
        import os

        os.write(self.master, KEYS.get(key, key.encode()))

    def close(self) -> None:
        import os

        try:
            self.press("ctrl+q")
            self.process.wait(timeout=20)
        except Exception:  # noqa: BLE001 - a bench cleans up whatever happened
            self.process.kill()
            self.process.wait(timeout=10)
        finally:
            os.close(self.master)


def median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def measure_start(path: Path, runs: int) -> list[tuple[str, float, str]]:
    rows = []
    daemon = Daemon(path)
    try:
        for label, images, answers, client in (
            ("start to a drawn list, terminal answers graphics queries (--images auto)", "auto", True, False),
            ("start to a drawn list, terminal answers nothing (--images none)", "none", False, False),
            ("  for reference: --images auto on the silent terminal", "auto", False, False),
            ("start to a drawn list, `mmsua tui` of a running daemon (--images auto, answers)", "auto", True, True),
            ("start to a drawn list, `mmsua tui` of a running daemon (--images none, silent)", "none", False, True),
            ("  the floor: a bare Textual app drawing that one number", "bare", False, False),
        ):
            times = []
            for run in range(runs + 1):  # the first run is not timed: it writes the byte-code caches
                terminal = Terminal(path, images, answers, daemon.command(images) if client else None)
                try:
                    took = terminal.wait_for(TOP_NUMBER)
                finally:
                    terminal.close()
                if run:
                    times.append(took)
            rows.append((f"{label} (median of {runs})", median(times) * 1000, "ms" if label.startswith("  ") else "ms, goal < 500 ms"))
    finally:
        daemon.close()
    return rows


def measure_paging(path: Path, presses: int) -> list[tuple[str, float, str]]:
    terminal = Terminal(path, "none", answers=False)
    try:
        terminal.wait_for(LONG_NUMBER.encode())
        terminal.press("enter")
        terminal.wait_for(b"Message 4999")
        idle = terminal.settle()
        costs: dict[str, list[float]] = {"pageup": [], "pagedown": []}
        for key in ["pageup"] * presses + ["pagedown"] * presses:
            before = terminal.cpu()
            terminal.press(key)
            terminal.quiet(0.3)
            costs[key].append((terminal.cpu() - before) * 1000)
    finally:
        terminal.close()
    rows = [(f"CPU per {key} press, 5,000-message conversation (median of {len(ms)}; max {max(ms):.0f} ms)", median(ms), "ms, goal < 30 ms")
            for key, ms in costs.items()]
    rows.append(("  the idle app's CPU in half a second before the presses, for reference", idle * 1000, "ms"))
    return rows


def measure_search(path: Path) -> list[tuple[str, float, str]]:
    from mmsua.daemon.client import LocalClient

    agent, _label = store_agent(path)
    client = LocalClient(agent)
    worst, times = "", []
    for n in range(1, len("fox 1999") + 1):
        query = "fox 1999"[:n].strip()
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            client.list_conversations(query=query, limit=100, offset=0)
            runs.append(time.perf_counter() - t0)
        times.append(median(runs))
        if median(runs) == max(times):
            worst = query
    rows = [("search at 100,000 messages, median over the prefixes of \"fox 1999\"", median(times) * 1000, "ms, goal < 30 ms"),
            (f"  the slowest prefix, {worst!r}", max(times) * 1000, "ms")]
    terminal = Terminal(path, "none", answers=False)
    try:
        terminal.wait_for(TOP_NUMBER)
        terminal.press("/")
        terminal.quiet()
        before = terminal.cpu()
        for key in "fox 1999":
            terminal.press(key)
            time.sleep(0.04)  # a fast typist; the search waits for a 0.15 s pause
        typed = (terminal.cpu() - before) / len("fox 1999")
        terminal.quiet()
    finally:
        terminal.close()
    rows.insert(0, ("CPU per key typed into the search (8 keys, 40 ms apart)", typed * 1000, "ms, goal < 10 ms"))
    return rows


async def measure(path: Path, first_page: int = 15) -> dict[str, float]:
    from mmsua.daemon.client import LocalClient
    from mmsua.tui.app import make_app
    from mmsua.tui.protocol import Settings
    from mmsua.tui.widgets.conversation_list import ConversationList

    agent, label = store_agent(path)
    print(f"engine: {label}")
    app = make_app(LocalClient(agent), Settings(images="halfcell", bell=False, first_page=first_page))
    figures: dict[str, float] = {}

    async def until(pilot, condition) -> None:
        while not condition():
            await pilot.pause(0.005)

    async with app.run_test(size=(120, 40)) as pilot:
        listing = app.query_one(ConversationList)
        await until(pilot, lambda: len(listing.rows) > 0)
        await pilot.pause(0)  # one refresh: the rows are drawn

        t0 = time.perf_counter()
        await pilot.press("enter")
        await until(pilot, lambda: len(app.conversation_view.lines.messages) > 0)
        await pilot.pause(0)
        figures["open a conversation (first page drawn)"] = time.perf_counter() - t0

        await pilot.press("q")
        t0 = time.perf_counter()
        await pilot.press("slash", *"fox 1999")
        await until(pilot, lambda: listing.query == "fox 1999" and not listing._loading)
        await pilot.pause(0)
        figures["search as you type (8 keys, last redraw)"] = time.perf_counter() - t0
        figures["  conversations matching"] = len(listing.rows)

        await pilot.press("escape")
        search = app.query_one("#search")
        search.value = ""
        await until(pilot, lambda: listing.query is None and len(listing.rows) > 0 and not listing._loading)
        listing.focus()
        t0 = time.perf_counter()
        presses = 0
        while not (listing.complete and listing.cursor >= len(listing.rows) - 1):
            await pilot.press("pagedown")
            presses += 1
            if presses % 20 == 0:
                await pilot.pause(0)
        figures["page down through all 2,000 conversations"] = time.perf_counter() - t0
        figures["  page-down presses"] = presses
        figures["  rows loaded"] = len(listing.rows)
    figures["peak RSS (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/mmsua-bench-tui", help="where the generated stores are kept")
    parser.add_argument("--first-page", type=int, default=15, help="messages loaded on opening a conversation (50 was the old page)")
    parser.add_argument("--runs", type=int, default=5, help="starts timed in each terminal")
    parser.add_argument("--presses", type=int, default=20, help="PageUp presses, then as many PageDown")
    parser.add_argument("--child", nargs=2, metavar=("STORE", "IMAGES"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=2, metavar=("STORE", "SOCKET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    if args.serve:
        return serve(*args.serve)
    path = Path(args.dir) / "mmsua.db"
    long_path = Path(args.dir) / "long" / "mmsua.db"
    if not path.exists():
        print(f"generating {MESSAGES:,} messages in {CONVERSATIONS:,} conversations at {path} …", file=sys.stderr)
        generate(path)
    if not long_path.exists():
        print(f"generating one conversation of {LONG_MESSAGES:,} messages at {long_path} …", file=sys.stderr)
        generate_long(long_path)
    rows = measure_start(path, args.runs) + measure_paging(long_path, args.presses) + measure_search(path)
    width = max(len(label) for label, _, _ in rows)
    print("In a real pty (the app's own process):")
    for label, value, unit in rows:
        print(f"{label:<{width}}  {value:8.1f} {unit}")
    print("Headless (Pilot):")
    figures = asyncio.run(measure(path, args.first_page))
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        shown = f"{value:,.0f}" if name.startswith("  ") or "MB" in name else f"{value * 1000:,.0f} ms"
        print(f"{name:<{width}}  {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
