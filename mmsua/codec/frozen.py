"""Building the codec's frozen values fast, where decoding makes many of them.

A frozen slotted dataclass's generated ``__init__`` sets every field through
``object.__setattr__`` (its own ``__setattr__`` refuses), which costs more than the
decoding of a small PDU's fields. A decoder that already holds checked values fills an
unfrozen class with the same slots by plain attribute stores, then gives the object the
frozen class: CPython allows that ``__class__`` assignment only between identical slot
layouts, and raises TypeError otherwise, so a drifted field list cannot pass silently.
tests/codec/test_fast_paths.py holds each builder to the dataclass's own ``__init__``.
"""

from __future__ import annotations


def filling(cls: type) -> type:
    """An unfrozen class with ``cls``'s slots, to fill before assigning ``cls``."""
    return type(f"{cls.__name__}Filling", (), {"__slots__": cls.__dict__["__slots__"]})
