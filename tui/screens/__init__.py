"""Screens of the app: composer, help, log and small dialogs."""
