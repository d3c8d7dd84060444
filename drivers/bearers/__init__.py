"""Bearers: ways for HTTP to reach the carrier's MMSC through its MMS proxy.

Each gives the engine a ``requests.Session`` (see :class:`base.Bearer`):
``internal_tcp`` (the modem's own TCP/IP stack over AT), ``interface`` (a
network interface already up on the MMS APN) and ``ppp`` (pppd on the modem's
data port, then as ``interface``).
"""
