"""mmsua.tui: the Textual inbox and composer.

Only the CLI entry point imports this package (checked by import-linter); it
reaches the engine through the daemon's API, never the modem.
"""
