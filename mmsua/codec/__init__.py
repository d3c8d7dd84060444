"""Sans-I/O codecs: pure functions over bytes and frozen dataclasses.

Nothing here opens a port, a socket, a file or a database; the import-linter
contracts in pyproject.toml hold that line. Every decoder raises
:class:`PduError` (and nothing else) for bad input.
"""

from mmsua.codec.errors import PduError

__all__ = ["PduError"]
