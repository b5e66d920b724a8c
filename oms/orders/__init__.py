"""Orders: lifecycle state machine, commands and events."""
