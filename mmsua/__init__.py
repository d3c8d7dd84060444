"""mmsua: a handset-side MMS user agent with a modem driver.

Layers (arrows point down only; see docs/architecture.md):
``mmsua.tui`` -> ``mmsua.cli`` / ``mmsua.daemon`` -> ``mmsua.engine`` -> ``mmsua.store``
-> ``mmsua.codec``; ``mmsua.drivers`` sits beside the codec and knows nothing of MMS.
"""

__version__ = "0.1.0"
