"""The user agent: MMS client transactions as a state machine (events in, actions out) and its runner."""
