"""The contract between mmsua's daemon and its clients: typed shapes, one Api
protocol, one error family (docs/api.md). Imports nothing of mmsua but itself."""
