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
