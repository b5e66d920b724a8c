"""Documented bounds of every number and name the OMS stores (the database columns hold them on
SQLite and PostgreSQL alike; anything larger is refused at the door, never half written)."""

from __future__ import annotations

ID_LENGTH = 64  # ids of nodes, SKUs, orders, lines, slots, ... (VARCHAR(64))
TEXT_LENGTH = 200  # names, reasons, references, tracking numbers (VARCHAR(200))
MAX_LINE_QTY = 10_000  # units on one order, reservation or return line
MAX_LINES = 100  # lines in one cart
MAX_UNITS = 1_000_000_000  # units in one stock row, one receipt or adjustment, a node's capacity
MAX_MINOR = 1_000_000_000_000  # money in minor units (10 billion in major units)
MAX_COST = 1_000_000.0  # a node's cost weights (handling, shipment, per km)
# Printable text only: no NUL or other control characters (PostgreSQL refuses NUL outright).
NO_CONTROL_CHARS = r"^[^\x00-\x1F\x7F]*$"
