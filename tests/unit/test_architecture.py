"""House rules that the code must keep: the domain core imports no framework (DESIGN.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

OMS = Path(__file__).resolve().parents[2] / "oms"
FRAMEWORKS = {
    "sqlalchemy",
    "fastapi",
    "ortools",
    "numba",
    "alembic",
    "uvicorn",
    "pydantic",
    "typer",
}
# The pure parts: the domain, and the contract and cost rules everything else builds on.
PURE = [
    *sorted((OMS / "domain").glob("*.py")),
    OMS / "sourcing" / "contract.py",
    OMS / "sourcing" / "contract_types.py",
    OMS / "sourcing" / "contract_checks.py",
    OMS / "sourcing" / "cost.py",
    OMS / "sourcing" / "strategies.py",
    OMS / "orders" / "lifecycle.py",
    # The promise rules; options.py and service.py are application services around them.
    *sorted(p for p in (OMS / "promise").glob("*.py") if p.stem not in {"options", "service"}),
    # The returns rules: eligibility, routing, disposition, refunds (persistence lives in oms/db).
    *sorted(p for p in (OMS / "returns").glob("*.py") if p.stem != "service"),
]


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(OMS)))
def test_pure_modules_import_no_framework(path):
    assert imported_roots(path) & FRAMEWORKS == set()


@pytest.mark.parametrize("path", sorted((OMS / "domain").glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library_numpy_and_itself(path):
    allowed = set(sys.stdlib_module_names) | {"numpy", "oms"}
    assert imported_roots(path) <= allowed
