"""Widgets of the inbox: the conversation list, the conversation view, the status bar."""
