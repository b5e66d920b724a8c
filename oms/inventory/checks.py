"""The checks every stock ledger makes of its inputs before it moves a unit (the database's and
the unit tests' fake): one rule, whoever keeps the books."""

from __future__ import annotations

from collections.abc import Iterable

from oms.domain.errors import ValidationError
from oms.inventory.atp import StockRow, is_quantity, merge_rows
from oms.inventory.errors import InvalidQuantity


def checked_rows(rows: Iterable[tuple[str, str, int]]) -> list[StockRow]:
    listed = list(rows)
    bad_ids, bad_qty = [], []
    for i, row in enumerate(listed):
        if len(row) != 3 or not all(isinstance(x, str) and x for x in row[:2]):
            bad_ids.append(f"rows[{i}]: must be (node_id, sku_id, qty) with non-empty ids")
        elif not is_quantity(row[2]) or row[2] <= 0:
            bad_qty.append(f"rows[{i}]: qty must be a whole number above 0, got {row[2]!r}")
    if bad_ids:
        raise ValidationError(bad_ids + bad_qty)
    if bad_qty:
        raise InvalidQuantity(bad_qty)
    return merge_rows(listed)


def check_positive(name: str, value: int) -> None:
    if not is_quantity(value) or value <= 0:
        raise InvalidQuantity([f"{name} must be a whole number above 0, got {value!r}"])


def check_set(on_hand: int | None, safety_stock: int | None) -> None:
    if on_hand is None and safety_stock is None:
        raise InvalidQuantity(["set_stock needs on_hand, safety_stock or both"])
    problems = [
        f"{name} must be a whole number >= 0, got {value!r}"
        for name, value in (("on_hand", on_hand), ("safety_stock", safety_stock))
        if value is not None and (not is_quantity(value) or value < 0)
    ]
    if problems:
        raise InvalidQuantity(problems)


def check_adjust(delta: int, reason: str) -> None:
    problems = []
    if not is_quantity(delta) or delta == 0:
        problems.append(f"delta must be a non-zero whole number, got {delta!r}")
    if not isinstance(reason, str) or not reason.strip():
        problems.append("reason must be a non-empty string")
    if problems:
        raise InvalidQuantity(problems)
