"""What the TUI shows of the daemon's Status: the modem's name and why something failed.

Messages, parts and conversations are the API's own shapes (mmsua.api.shapes);
only the status bar needs a view of its own. Nothing here is sanitised: text
stays as the network sent it until ``tui.display`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mmsua.api import shapes


@dataclass(frozen=True, slots=True)
class OtherModem:
    """A daemon's second (third...) modem, as the status bar shows it: name, signal, registration."""

    name: str
    signal: int | None
    registration: str
    data_path: str
    problem: str = ""


@dataclass(frozen=True, slots=True)
class Status:
    modem: str  # "manufacturer model", "" when no modem
    operator: str
    signal: int | None
    registration: str
    data_path: str
    own_number: str
    queued: int
    pending_notifications: int
    problem: str = ""  # why the modem or the MMS data path last failed, "" when nothing did
    max_size: int | None = None  # the largest MMS the carrier accepts, as the daemon knows it
    name: str = ""  # with several modems: the first's name (the fields above are the first's)
    others: tuple[OtherModem, ...] = ()  # with several modems: the rest

    @classmethod
    def from_api(cls, status: shapes.Status) -> Status:
        modem = status.modem
        name = " ".join(v for v in (modem.manufacturer, modem.model) if v) if modem else ""
        failure = status.modem_error or status.data_path_error
        return cls(
            modem=name,
            operator=status.operator or "",
            signal=status.signal,
            registration=status.registration,
            data_path=status.data_path,
            own_number=status.own_number or "",
            queued=status.queued,
            pending_notifications=status.pending_notifications,
            problem=failure.reason if failure else "",
            max_size=status.max_size,
            name=status.modems[0].name if len(status.modems) > 1 else "",
            others=tuple(_other(m) for m in status.modems[1:]),
        )


def _other(modem: shapes.ModemStatus) -> OtherModem:
    failure = modem.modem_error or modem.data_path_error
    return OtherModem(modem.name, modem.signal, modem.registration, modem.data_path, failure.reason if failure else "")
