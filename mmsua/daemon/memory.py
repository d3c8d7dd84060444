"""Keeping the idle daemon's resident memory what it uses (glibc's allocator).

No-ops where the C library has no ``mallopt``/``malloc_trim`` (musl, macOS).
"""

from __future__ import annotations

from typing import Any

M_ARENA_MAX = -8  # glibc malloc.h


def _libc() -> Any:
    import ctypes

    try:
        return ctypes.CDLL(None)  # the process's own symbols include the C library's
    except OSError:
        return None


def fewer_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas; call before any thread starts.

    glibc gives each new thread its own arena (up to 8 per core) and keeps what was
    freed there; the daemon's mostly idle threads (serial reader, engine, API) held
    1-2 MB of RSS that way. Two arenas are plenty for threads that mostly wait.
    """
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is not None:
        mallopt(M_ARENA_MAX, arenas)


def return_free_memory() -> None:
    """Give heap that start-up freed (imports, the carrier database, the SIM read)
    back to the system."""
    import gc

    gc.collect()  # cycles left by start-up first, so their memory is free to give back
    give_back_heap()


def give_back_heap() -> None:
    """malloc_trim(0): free pages of the heap go back to the system. Without a collection:
    it runs after each burst of engine tasks, and a full collection there held the GIL for
    tens of milliseconds on a loaded machine, just when the next SMS may be read. ctypes
    releases the GIL for the call."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)
