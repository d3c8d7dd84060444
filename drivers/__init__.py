"""mmsua.drivers: the modem driver layer.

AT commands over pyserial, SMS receive and send, the MMS PDP context and the
bearers that carry HTTP to the carrier's MMSC. It knows nothing of MMS headers:
it moves SMS PDUs and HTTP bodies as bytes.
"""
