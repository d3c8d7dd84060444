"""A rule's command: run as an argument list (never a shell), bounded in time and output.

The message goes on stdin (the API's ``Message`` JSON, or its text with
``input = "text"``) and in ``MMSUA_*`` environment variables. The command runs in a
session of its own, so at its time limit, or when its stdout passes the rule's
``output_limit``, it is killed with everything it started. Its stdout is the reply:
UTF-8 text, less the lines ``MMSUA-ATTACH: /path/to/picture.jpg``, each naming a
picture to send with it (a regular file within ``attach_limit``, JPEG, PNG, GIF or
WebP by its bytes; anything else is left out and logged).
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from mmsua.api.errors import ApiError
from mmsua.api.shapes import Attachment, Message
from mmsua.rules.match import text_of
from mmsua.rules.model import Rule
from mmsua.safefiles import read_attachment_file
from mmsua.textsafe import clean_line

ATTACH = re.compile(r"^MMSUA-ATTACH:[ \t]*(\S.*?)[ \t]*$")
MAX_ATTACHMENTS = 5
STDERR_KEPT = 2048  # the tail of stderr, for the log line of a failure
CHUNK = 65536
# The magic numbers of the pictures a reply may carry (each format's own specification).
_PICTURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))
TIMED_OUT = "timed out"
_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.Lock()
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    detail: str  # "exit 0", "exit 2: <stderr's last line>", "timed out after 10 s", "output over 4096 bytes"
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    refused: tuple[str, ...] = ()  # pictures named but not taken, and why


def environment(rule: Rule, message: Message) -> dict[str, str]:
    """The daemon's environment and the message's MMSUA_* variables (NUL-free, UTF-8-safe)."""
    values = {
        "MMSUA_RULE": rule.name, "MMSUA_MESSAGE_ID": str(message.id), "MMSUA_FROM": message.sender or "",
        "MMSUA_FROM_NAME": message.sender_name or "", "MMSUA_KIND": message.kind, "MMSUA_SUBJECT": message.subject or "",
        "MMSUA_TEXT": text_of(message),
    }
    return {**os.environ, **{name: _env_safe(value) for name, value in values.items()}}


def _env_safe(value: str) -> str:
    return value.replace("\0", "").encode("utf-8", "replace").decode("utf-8")


def stdin_of(rule: Rule, message: Message) -> bytes:
    if rule.input == "text":
        return message.text.encode("utf-8", "replace")
    return json.dumps(message.to_json(), ensure_ascii=False).encode("utf-8", "replace")


def run(rule: Rule, message: Message) -> Outcome:
    """Run the rule's command for one message and read its reply."""
    try:
        process = subprocess.Popen(
            list(rule.run), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=environment(rule, message), shell=False, close_fds=True, start_new_session=True,
        )
    except (OSError, ValueError) as error:
        return Outcome(False, f"cannot run {rule.run[0]!r}: {getattr(error, 'strerror', None) or error}")
    deadline = time.monotonic() + rule.timeout
    stopped: str | None = "stopped"
    with _running_lock:
        _running.add(process)
    try:
        out, err, stopped = _exchange(process, stdin_of(rule, message), rule.output_limit, deadline)
        if stopped is None:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                stopped = TIMED_OUT
    finally:
        if stopped is not None:
            _kill(process)  # and whatever it started: they share its session
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        process.wait()
        with _running_lock:
            _running.discard(process)
    if stopped is not None:
        return Outcome(False, f"timed out after {rule.timeout:g} s, killed" if stopped == TIMED_OUT else stopped + ", killed")
    detail = f"exit {process.returncode}"
    if process.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        return Outcome(False, detail + (": " + clean_line(lines[-1], limit=200) if lines else ""))
    return read_reply(out, rule.attach_limit, detail)


def read_reply(out: bytes, attach_limit: int, detail: str = "exit 0") -> Outcome:
    """The reply in a command's stdout: its text and the pictures its MMSUA-ATTACH lines name."""
    lines, paths = [], []
    for line in out.decode("utf-8", "replace").splitlines():
        found = ATTACH.match(line)
        if found:
            paths.append(found.group(1))
        else:
            lines.append(_CONTROL.sub("", line))
    attachments, refused = [], []
    for path in paths[:MAX_ATTACHMENTS]:
        taken = _picture(path, attach_limit)
        if isinstance(taken, str):
            refused.append(taken)
        else:
            attachments.append(taken)
    refused.extend(f"{clean_line(p, limit=80)}: more than {MAX_ATTACHMENTS} pictures" for p in paths[MAX_ATTACHMENTS:])
    return Outcome(True, detail, "\n".join(lines).strip(), tuple(attachments), tuple(refused))


def _picture(name: str, limit: int) -> Attachment | str:
    path = Path(name)
    shown = clean_line(name, limit=80)
    if not path.is_absolute():
        return f"{shown}: not an absolute path"
    try:
        data = read_attachment_file(path, limit)
    except ApiError as error:
        return clean_line(error.message, limit=160)
    except OSError as error:  # a directory: opened, then refused by fdopen
        return f"{shown}: {error.strerror or error}"
    media = next((kind for magic, kind in _PICTURES if data.startswith(magic)), None)
    if media is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        media = "image/webp"
    if media is None:
        return f"{shown}: not a JPEG, PNG, GIF or WebP picture"
    return Attachment.of(data, path.name, media)


def _exchange(process: subprocess.Popen[bytes], data: bytes, limit: int, deadline: float) -> tuple[bytes, bytes, str | None]:
    """Write stdin and read stdout and stderr together until both end, the deadline, or
    stdout passes ``limit``; the third value says why it was stopped (None: it was not)."""
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    out, err = bytearray(), bytearray()
    offset = 0
    with selectors.DefaultSelector() as selector:
        if data:
            os.set_blocking(process.stdin.fileno(), False)
            selector.register(process.stdin, selectors.EVENT_WRITE)
        else:
            process.stdin.close()
        selector.register(process.stdout, selectors.EVENT_READ)
        selector.register(process.stderr, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return bytes(out), bytes(err), TIMED_OUT
            for key, _ in selector.select(left):
                if key.fileobj is process.stdin:
                    try:
                        offset += os.write(key.fd, data[offset:offset + CHUNK])
                    except (BrokenPipeError, BlockingIOError) as error:
                        if isinstance(error, BrokenPipeError):
                            offset = len(data)  # it does not read its input: fine
                    if offset >= len(data):
                        selector.unregister(process.stdin)
                        process.stdin.close()
                    continue
                chunk = os.read(key.fd, CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.fileobj is process.stdout:
                    out += chunk
                    if len(out) > limit:
                        return bytes(out), bytes(err), f"output over {limit} bytes (output_limit)"
                else:
                    err = (err + chunk)[-STDERR_KEPT:]
    return bytes(out), bytes(err), None


def kill_all() -> None:
    """Kill the commands running now, with what they started (the daemon is stopping:
    a command in a session of its own would outlive it)."""
    with _running_lock:
        running = list(_running)
    for process in running:
        _kill(process)


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
