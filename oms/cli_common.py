"""What every command of the command line shares: refusing bad input with exit code 2."""

from __future__ import annotations

from typing import NoReturn

import typer


def fail(message: str) -> NoReturn:
    """Print `error: message` on stderr and exit with code 2 (bad input; nothing was done)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)
