"""Fitting a picture in a child process, for the daemon.

Pillow, its image libraries and a decoded photo's pixels (width x height x 4 bytes:
48 MB for a 12-megapixel photo) would otherwise stay in the long-running daemon after
its first picture send (bench/daemon_memory.py). The child runs
:func:`mmsua.engine.pictures.fit_picture` and exits, so none of that outlives one send.

Protocol, our own child only: stdin is one JSON line (budget, bounds) and the picture's
bytes; stdout is one JSON line (the result) and the fitted bytes, if any.
"""

from __future__ import annotations

import json
import subprocess
import sys

from mmsua.engine.pictures import Bounds, Fitted, PictureRefused, UnreadablePicture

CHILD_TIMEOUT = 120.0  # s: a 24-megapixel photo takes a few seconds on a slow ARM board


def fit_in_child(data: bytes, budget: int, bounds: Bounds) -> Fitted | None:
    """As :func:`mmsua.engine.pictures.fit_picture` (the same bytes object back when the
    picture already fits), run by ``python -m mmsua.engine.picture_child``."""
    request = json.dumps({"budget": budget, "width": bounds.width, "height": bounds.height}).encode() + b"\n"
    try:
        done = subprocess.run([sys.executable, "-m", __name__], input=request + data, capture_output=True,
                              timeout=CHILD_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise PictureRefused(f"fitting the picture took longer than {CHILD_TIMEOUT:.0f} s") from None
    except OSError as exc:
        raise PictureRefused(f"the picture could not be fitted: {exc.strerror or exc}") from None
    head, _, body = done.stdout.partition(b"\n")
    try:
        answer = json.loads(head)
        result = answer["result"]
    except (ValueError, KeyError, TypeError):
        raise PictureRefused(f"the picture could not be fitted (the fitting process ended with {done.returncode})") from None
    if result == "unreadable":
        raise UnreadablePicture(str(answer.get("reason", "the picture cannot be read")))
    if result == "refused":
        raise PictureRefused(str(answer.get("reason", "the picture cannot be scaled")))
    if result == "none":
        return None
    fitted = Fitted(data if result == "same" else body, str(answer["content_type"]), int(answer["width"]),
                    int(answer["height"]))
    if result not in ("same", "fitted") or len(fitted.data) > max(budget, len(data)):
        raise PictureRefused("the picture could not be fitted (an answer the fitting process should not give)")
    return fitted


def main() -> int:
    from mmsua.engine.pictures import fit_picture

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    request = json.loads(stdin.readline())
    data = stdin.read()
    answer: dict[str, str | int]
    try:
        fitted = fit_picture(data, int(request["budget"]), Bounds(int(request["width"]), int(request["height"])))
    except UnreadablePicture as exc:
        answer, body = {"result": "unreadable", "reason": str(exc)}, b""
    except PictureRefused as exc:
        answer, body = {"result": "refused", "reason": str(exc)}, b""
    else:
        if fitted is None:
            answer, body = {"result": "none"}, b""
        else:
            same = fitted.data is data
            answer = {"result": "same" if same else "fitted", "content_type": fitted.content_type,
                      "width": fitted.width, "height": fitted.height}
            body = b"" if same else fitted.data
    stdout.write(json.dumps(answer).encode() + b"\n" + body)
    stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
