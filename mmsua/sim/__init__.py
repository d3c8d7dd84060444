"""A simulated carrier: emulated modem, SMSC and MMSC on loopback, for tests and `mmsua demo`.

Importing it makes `serial.serial_for_url("simmodem://NAME")` reach the
emulated modems registered in this process.
"""

import serial as _serial

if "mmsua.sim.urlhandler" not in _serial.protocol_handler_packages:
    _serial.protocol_handler_packages.append("mmsua.sim.urlhandler")
