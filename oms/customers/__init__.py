"""Customers across channels: who they are, their addresses and locating them, what they are
told, and what the GDPR lets them ask for (export, erase)."""
