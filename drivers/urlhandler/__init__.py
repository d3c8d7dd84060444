"""pyserial URL handlers (``protocol_<scheme>.py``): replay:// and record://.

Registered in ``serial.protocol_handler_packages`` by ``mmsua.drivers``."""
