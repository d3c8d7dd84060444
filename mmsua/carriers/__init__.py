"""Per-carrier MMS rules from public AOSP data (docs/carriers.md)."""
