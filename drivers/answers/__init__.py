"""The modem's answers, read: pure functions over answer lines (sans-I/O).

``fields`` splits a line; ``device``, ``sms`` and ``pdp`` read the answers of the
identification/SIM/network, 27.005 SMS and 27.007 context commands. The command
logic that sends them lives in modem.py, sms.py and pdp.py.
"""
