"""A simulated carrier: emulated modem, SMSC and MMSC on loopback, for tests and `mmsua demo`."""
