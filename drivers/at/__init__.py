"""The AT channel: sans-I/O framing (framing.py), error code tables (codes.py)
and the threaded channel over pyserial (channel.py)."""
