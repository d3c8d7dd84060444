"""pyserial URL handlers of the simulated carrier (serial.protocol_handler_packages)."""
