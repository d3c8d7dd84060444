"""The emulated modem: AT dialects, SMS storage, PDP contexts and IP stacks behind a pty or a pyserial URL."""
