"""Persistence: tables, engines, unit of work, the inventory ledger and migrations."""
