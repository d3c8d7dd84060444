"""The process that owns the modem, and its local JSON-lines API over a Unix socket."""
