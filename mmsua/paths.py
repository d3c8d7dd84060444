"""Where mmsua keeps things: XDG config, data and runtime directories.

Everything mmsua creates is private to the user: directories 0700, files 0600.
The API socket lives in ``$XDG_RUNTIME_DIR/mmsua/api.sock`` and, where no runtime
directory exists (a bare SSH login, a container), in ``/tmp/mmsua-$UID/``
(docs/api.md).
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "mmsua"


def _xdg(variable: str, fallback: Path) -> Path:
    value = os.environ.get(variable, "")
    # The XDG spec says relative paths are invalid and must be ignored.
    return Path(value) if value and os.path.isabs(value) else fallback


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", Path.home() / ".config") / APP


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", Path.home() / ".local" / "share") / APP


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if base and os.path.isabs(base):
        return Path(base) / APP
    return Path("/tmp") / f"{APP}-{os.getuid()}"


def config_file() -> Path:
    return config_dir() / "config.toml"


def store_dir() -> Path:
    return data_dir()


def socket_path() -> Path:
    return runtime_dir() / "api.sock"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it 0700; refuse one owned by someone else.

    A shared /tmp fallback could be pre-created by another user to catch our
    socket, so ownership is checked, not assumed.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = path.stat()
    if info.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to uid {info.st_uid}, not to this user; refusing to use it")
    if info.st_mode & 0o077:
        path.chmod(0o700)
    return path
