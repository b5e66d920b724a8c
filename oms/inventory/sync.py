"""Bulk stock sync: the rules, with no database. What an ERP, WMS or till sends (CSV or JSON
lines), read row by row, checked against the catalogue, and turned into new stock levels.

Formats. CSV with a header naming ``node``, ``sku`` and either ``on_hand`` (mode absolute) or
``delta`` (mode delta), and optionally ``safety_stock``; any other column is ignored (the export's
``reserved`` and ``atp`` come back harmlessly). JSON lines: one object per line with the same keys
(other keys ignored). A row's number is its line in the file not counting the CSV header: the
first data row is row 1 (CSV file line 2); in JSON lines, row n is line n. Blank lines are skipped
but keep their number.

Rules per row (each broken rule is reported for its row and field; every row is checked):
node and sku are known ids; on_hand and safety_stock are whole numbers within 0..MAX_UNITS; delta
is a whole number within -MAX_UNITS..MAX_UNITS and may not take on_hand below 0 nor above
MAX_UNITS; a (node, sku) appears once per file (a repeat is reported on the later row, naming the
first). Ids are taken exactly as written (no trimming). safety_stock is always the level to
keep, in both modes; left out (or an empty cell), it is unchanged.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from oms.domain.errors import ValidationError
from oms.domain.limits import ID_LENGTH, MAX_UNITS, TEXT_LENGTH
from oms.inventory.atp import StockLevel

MAX_ERRORS_SHOWN = 1_000  # row errors listed in an answer; the rest are counted
_WHOLE = re.compile(r"[+-]?[0-9]{1,12}")


class SyncMode(StrEnum):
    ABSOLUTE = "absolute"  # on_hand is the counted level
    DELTA = "delta"  # on_hand moves by delta


class OnError(StrEnum):
    REJECT_ALL = "reject_all"  # any bad row: nothing changes (Saleor REJECT_EVERYTHING)
    SKIP_ROWS = "skip_rows"  # bad rows are left out, the others applied (REJECT_FAILED_ROWS)


class SyncFormat(StrEnum):
    CSV = "csv"
    JSON_LINES = "jsonl"


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class SyncRow:
    """One row as read: ``qty`` is on_hand (absolute) or delta; ``safety_stock`` None: kept."""

    row: int
    node: str
    sku: str
    qty: int
    safety_stock: int | None


@dataclass(frozen=True, slots=True)
class Current:
    """A stock row as read (locked) before the sync writes it."""

    level: StockLevel
    version: int


@dataclass(frozen=True, slots=True)
class Change:
    """A row that changes a stock item: the levels it had (``previous``, None: no row yet),
    the new on_hand and safety stock, and the reserved units and row version it will be
    written over (the version is bumped by one)."""

    row: int
    node: str
    sku: str
    previous: StockLevel | None
    on_hand: int
    safety_stock: int
    reserved: int
    version: int

    @property
    def excess(self) -> int:
        """Reserved units that no longer fit under the new on_hand."""
        return max(0, self.reserved - self.on_hand)

    @property
    def after(self) -> StockLevel:
        return StockLevel(self.on_hand, self.reserved, self.safety_stock)


@dataclass
class Checked:
    """What reading and checking a file found: good rows, row errors, rows received."""

    rows: list[SyncRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    received: int = 0


class SyncRejected(ValidationError):
    """A sync whose rows broke rules under reject_all (nothing changed), or a file whose header
    or format cannot be read (nothing read)."""

    def __init__(self, problems: list[str], errors: list[RowError], received: int) -> None:
        super().__init__(problems)
        self.errors = errors
        self.received = received

    def extra(self) -> dict[str, Any]:
        shown = self.errors[:MAX_ERRORS_SHOWN]
        return {
            "fields": self.problems[:MAX_ERRORS_SHOWN],
            "errors": [e.as_dict() for e in shown],
            "errors_left_off": len(self.errors) - len(shown),
            "received": self.received,
        }


def rejected(errors: list[RowError], received: int) -> SyncRejected:
    problems = [f"row {e.row}: {e.field}: {e.detail}" for e in errors]
    return SyncRejected(problems, errors, received)


def bad_request(field_name: str, detail: str) -> SyncRejected:
    """The whole file is refused (its header, its format, a parameter): row 0."""
    return rejected([RowError(0, field_name, detail)], 0)


def check_source(source: str | None) -> str | None:
    if source is not None and (len(source) > TEXT_LENGTH or not source.isprintable()):
        raise bad_request("source", f"must be printable text of at most {TEXT_LENGTH} characters")
    return source


# ---------------------------------------------------------------- reading

# Content types read, by their media type (parameters such as charset=utf-8 are ignored).
MEDIA_TYPES = {
    "text/csv": SyncFormat.CSV,
    "application/x-ndjson": SyncFormat.JSON_LINES,
    "application/jsonl": SyncFormat.JSON_LINES,
    "application/json-lines": SyncFormat.JSON_LINES,
}


def format_of(content_type: str | None) -> SyncFormat:
    media = (content_type or "").split(";")[0].strip().lower()
    fmt = MEDIA_TYPES.get(media)
    if fmt is None:
        accepted = ", ".join(MEDIA_TYPES)
        raise bad_request("Content-Type", f"{media or 'none'} is not read; send one of {accepted}")
    return fmt


def qty_field(mode: SyncMode) -> str:
    return "on_hand" if mode is SyncMode.ABSOLUTE else "delta"


def read_rows(
    chunks: Iterable[bytes],
    fmt: SyncFormat,
    mode: SyncMode,
    catalogue: Callable[[str, str], list[RowError]],
) -> Checked:
    """Every row of the body, checked; ``catalogue(node, sku)`` names unknown ids (row 0:
    filled in here). Rows are read as the body streams, never all as text at once."""
    lines = _lines(chunks)
    records = _csv_records(lines, mode) if fmt is SyncFormat.CSV else _json_records(lines, mode)
    out = Checked()
    first_seen: dict[tuple[str, str], int] = {}
    for row, record in records:
        out.received += 1
        parsed, errors = _parse(row, record, mode)
        if parsed is not None:
            errors += [RowError(row, e.field, e.detail) for e in catalogue(parsed.node, parsed.sku)]
            key = (parsed.node, parsed.sku)
            first = first_seen.setdefault(key, row)
            if first != row:
                detail = f"{parsed.node}/{parsed.sku} was already given on row {first}"
                errors.append(RowError(row, "sku", detail))
        if errors:
            out.errors += errors
        elif parsed is not None:
            out.rows.append(parsed)
    return out


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Text lines of a UTF-8 body (a BOM is dropped), decoded as the chunks arrive."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    tail = ""
    try:
        for chunk in chunks:
            text = tail + decoder.decode(chunk)
            *whole, tail = text.split("\n")
            for line in whole:
                yield line + "\n"
        tail += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise bad_request("body", f"not UTF-8 text ({exc.reason})") from None
    if tail:
        yield tail


def _csv_records(lines: Iterator[str], mode: SyncMode) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise bad_request("header", "the body is empty: a CSV needs a header row")
    columns = _columns([h.strip() for h in header], mode)
    try:
        for cells in reader:
            if not cells or cells == [""]:
                continue
            row = reader.line_num - 1
            if len(cells) < len(header):
                cells = cells + [""] * (len(header) - len(cells))
            yield row, {name: cells[i] for name, i in columns.items()}
    except csv.Error as exc:
        raise bad_request("body", f"CSV line {reader.line_num}: {exc}") from None


def _columns(header: list[str], mode: SyncMode) -> dict[str, int]:
    """Where each known column is; 422 naming the header when it does not fit the mode."""
    wanted, other = qty_field(mode), qty_field(_other(mode))
    missing = [name for name in ("node", "sku", wanted) if name not in header]
    if missing:
        hint = f" (it has {other}: send mode={_other(mode).value})" if other in header else ""
        raise bad_request(
            "header",
            f"mode={mode.value} needs the columns node, sku, {wanted}; "
            f"missing {', '.join(missing)}{hint}",
        )
    if other in header:
        raise bad_request("header", f"mode={mode.value} takes {wanted}, not {other}")
    repeated = sorted({h for h in header if header.count(h) > 1 and h})
    if repeated:
        raise bad_request("header", f"columns named twice: {', '.join(repeated)}")
    known = ("node", "sku", wanted, "safety_stock")
    return {name: header.index(name) for name in known if name in header}


def _other(mode: SyncMode) -> SyncMode:
    return SyncMode.DELTA if mode is SyncMode.ABSOLUTE else SyncMode.ABSOLUTE


def _json_records(lines: Iterator[str], mode: SyncMode) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, {"": f"not JSON: {exc.msg}"}
            continue
        if not isinstance(value, dict):
            yield number, {"": "each line must be a JSON object"}
            continue
        yield number, value


def _parse(
    row: int, record: Mapping[str, Any], mode: SyncMode
) -> tuple[SyncRow | None, list[RowError]]:
    if "" in record and isinstance(record[""], str) and len(record) == 1:
        return None, [RowError(row, "line", record[""])]
    errors: list[RowError] = []
    node = _identifier(row, record, "node", errors)
    sku = _identifier(row, record, "sku", errors)
    name = qty_field(mode)
    low = 0 if mode is SyncMode.ABSOLUTE else -MAX_UNITS
    qty = _whole(row, record, name, low, errors, required=True)
    safety = _whole(row, record, "safety_stock", 0, errors, required=False)
    if errors or node is None or sku is None or qty is None:
        return None, errors
    return SyncRow(row, node, sku, qty, safety), errors


def _identifier(
    row: int, record: Mapping[str, Any], name: str, errors: list[RowError]
) -> str | None:
    value = record.get(name)  # taken as written: ids may hold spaces
    if not isinstance(value, str) or not value:
        errors.append(RowError(row, name, "missing: a node and a SKU id are required"))
        return None
    if len(value) > ID_LENGTH:
        errors.append(RowError(row, name, f"longer than {ID_LENGTH} characters"))
        return None
    return value


def _whole(
    row: int,
    record: Mapping[str, Any],
    name: str,
    low: int,
    errors: list[RowError],
    *,
    required: bool,
) -> int | None:
    value = record.get(name)
    if isinstance(value, str):
        value = value.strip()
        if _WHOLE.fullmatch(value):
            value = int(value)
        elif value:
            errors.append(RowError(row, name, f"not a whole number: {value[:40]!r}"))
            return None
    if value is None or value == "":
        if required:
            errors.append(RowError(row, name, "missing"))
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(RowError(row, name, f"not a whole number: {str(value)[:40]!r}"))
        return None
    if not low <= value <= MAX_UNITS:
        errors.append(RowError(row, name, f"{value} is outside {low}..{MAX_UNITS}"))
        return None
    return value


# ---------------------------------------------------------------- planning


def plan(
    rows: Iterable[SyncRow],
    current: Mapping[tuple[str, str], Current],
    mode: SyncMode,
    default_safety: Mapping[str, int],
) -> tuple[list[Change], int, list[RowError]]:
    """The rows that change stock, how many change nothing, and rows whose delta would take
    on_hand out of 0..MAX_UNITS. ``default_safety``: a node's safety stock for new rows (its
    store protection)."""
    changes: list[Change] = []
    unchanged = 0
    errors: list[RowError] = []
    for r in rows:
        now = current.get((r.node, r.sku))
        was = now.level if now else StockLevel(0, 0, default_safety.get(r.node, 0))
        on_hand = r.qty if mode is SyncMode.ABSOLUTE else was.on_hand + r.qty
        if not 0 <= on_hand <= MAX_UNITS:
            detail = f"would take on_hand from {was.on_hand} to {on_hand}, outside 0..{MAX_UNITS}"
            errors.append(RowError(r.row, "delta", detail))
            continue
        safety = was.safety_stock if r.safety_stock is None else r.safety_stock
        if (on_hand, safety) == (was.on_hand, was.safety_stock):
            unchanged += 1  # same levels (a missing row reads as zeros: none is written)
            continue
        version = now.version if now else 0  # a new row is written at 1, as the ledger's
        previous = now.level if now else None
        changes.append(
            Change(r.row, r.node, r.sku, previous, on_hand, safety, was.reserved, version)
        )
    return changes, unchanged, errors
