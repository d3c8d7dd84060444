"""SMS storages (SM, ME, ...) with numbered slots, as 27.005 describes them."""

from __future__ import annotations

from dataclasses import dataclass

# <stat> values in PDU mode (27.005 3.1)
REC_UNREAD, REC_READ, STO_UNSENT, STO_SENT = 0, 1, 2, 3


@dataclass(slots=True)
class StoredSms:
    stat: int
    pdu: bytes  # SMSC address + TPDU, as +CMGR prints it


class Storage:
    """One memory ("SM", "ME", ...): `capacity` slots numbered from `first_index`."""

    def __init__(self, name: str, capacity: int, first_index: int) -> None:
        self.name = name
        self.capacity = capacity
        self.first_index = first_index
        self._slots: list[StoredSms | None] = [None] * capacity

    @property
    def used(self) -> int:
        return sum(1 for s in self._slots if s is not None)

    @property
    def full(self) -> bool:
        return self.used >= self.capacity

    def put(self, sms: StoredSms) -> int | None:
        """Store in the first free slot; its index, or None when full."""
        for i, slot in enumerate(self._slots):
            if slot is None:
                self._slots[i] = sms
                return i + self.first_index
        return None

    def get(self, index: int) -> StoredSms | None:
        """The message at index; KeyError when the index is outside the storage."""
        pos = index - self.first_index
        if not 0 <= pos < self.capacity:
            raise KeyError(index)
        return self._slots[pos]

    def delete(self, index: int) -> None:
        pos = index - self.first_index
        if not 0 <= pos < self.capacity:
            raise KeyError(index)
        self._slots[pos] = None

    def items(self) -> list[tuple[int, StoredSms]]:
        return [(i + self.first_index, s) for i, s in enumerate(self._slots) if s is not None]


class Combined:
    """Several memories seen as one ("MT" = SM then ME on Quectel): slots numbered on after each other."""

    def __init__(self, name: str, parts: list[Storage]) -> None:
        self.name = name
        self.parts = parts
        self.first_index = parts[0].first_index

    @property
    def capacity(self) -> int:
        return sum(p.capacity for p in self.parts)

    @property
    def used(self) -> int:
        return sum(p.used for p in self.parts)

    @property
    def full(self) -> bool:
        return self.used >= self.capacity

    def _locate(self, index: int) -> tuple[Storage, int]:
        pos = index - self.first_index
        for part in self.parts:
            if 0 <= pos < part.capacity:
                return part, pos + part.first_index
            pos -= part.capacity
        raise KeyError(index)

    def put(self, sms: StoredSms) -> int | None:
        offset = 0
        for part in self.parts:
            index = part.put(sms)
            if index is not None:
                return index + offset
            offset += part.capacity
        return None

    def get(self, index: int) -> StoredSms | None:
        part, inner = self._locate(index)
        return part.get(inner)

    def delete(self, index: int) -> None:
        part, inner = self._locate(index)
        part.delete(inner)

    def items(self) -> list[tuple[int, StoredSms]]:
        out, offset = [], 0
        for part in self.parts:
            out += [(i + offset, s) for i, s in part.items()]
            offset += part.capacity
        return out
