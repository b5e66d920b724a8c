"""Security headers on HTML responses (filled in by the hardening work)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the security headers every HTML page carries."""
