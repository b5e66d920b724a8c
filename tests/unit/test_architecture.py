"""House rules that the code must keep (DESIGN.md): they live in test_layers.py now, which follows
imports transitively (lazy ones included) where this file only read each module's own imports.

`imported_roots` stays for test_replay_architecture.py.
"""

from __future__ import annotations

import ast
from pathlib import Path


def imported_roots(path: Path) -> set[str]:
    """The top-level packages a file imports by absolute name (its own statements only)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots
