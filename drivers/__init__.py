"""mmsua.drivers: the modem driver layer.

AT commands over pyserial, SMS receive and send, the MMS PDP context and the
bearers that carry HTTP to the carrier's MMSC. It knows nothing of MMS headers:
it moves SMS PDUs and HTTP bodies as bytes.

Importing this package registers its pyserial URL handlers (``replay://`` for
hw_fixtures transcripts, ``record://`` to write one while talking to a real
port), so any ``serial.serial_for_url`` call can open them.
"""

import serial as _serial

_HANDLERS = "mmsua.drivers.urlhandler"
if _HANDLERS not in _serial.protocol_handler_packages:
    _serial.protocol_handler_packages.append(_HANDLERS)
