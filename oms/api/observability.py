"""Operability: request logs, request ids and metrics (filled in by the hardening work)."""

from __future__ import annotations

from fastapi import FastAPI

from oms.api.state import AppState


def install(app: FastAPI, state: AppState) -> None:
    """Add request logging, X-Request-ID and /metrics to the app."""
