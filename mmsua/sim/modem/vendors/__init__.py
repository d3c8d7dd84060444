"""The emulated dialect of each vendor, one module per vendor: its profile records, its own
AT commands and its internal TCP/IP stack. profiles.py lists them."""
