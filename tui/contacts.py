"""The TUI's contact names: the parser now lives in mmsua.contacts (the daemon owns names
and gives them through the API); re-exported here until the TUI reads them from there."""

from mmsua.contacts import Contact, Contacts, normalise, parse_vcards

__all__ = ["Contact", "Contacts", "normalise", "parse_vcards"]
