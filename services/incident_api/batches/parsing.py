"""A batch body, JSON `{"items": [...]}` or CSV with a header, read into rows before any is run.

Whole-request problems (an unreadable body, a missing column, too many rows) refuse the batch
and change nothing; a bad row is that row's problem alone.
"""

import csv
import io
import json
from typing import Any

from services.common.errors import Unprocessable, UnsupportedMediaType
from services.incident_api.batches.schemas import MAX_ROWS

Row = dict[str, Any] | None
"""A row's fields, or None when the row itself cannot be read."""


class BadBatch(Unprocessable):
    slug, title = "bad-batch", "The batch cannot be read"


class TooManyRows(Unprocessable):
    slug, title = "too-many-rows", f"A batch holds at most {MAX_ROWS:,} rows"


def read_rows(body: bytes, content_type: str, columns: set[str], required: set[str]) -> list[Row]:
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json":
        rows = _json_rows(body)
    elif media == "text/csv":
        rows = _csv_rows(body, columns, required)
    else:
        raise UnsupportedMediaType('Send application/json ({"items": [...]}) or text/csv.')
    if not rows:
        raise BadBatch("The batch has no rows.")
    if len(rows) > MAX_ROWS:
        raise TooManyRows(f"This batch has more than {MAX_ROWS:,} rows; split it.")
    return rows


def _json_rows(body: bytes) -> list[Row]:
    try:
        document = json.loads(body)
    except ValueError:
        raise BadBatch("The body is not JSON.") from None
    except RecursionError:
        # The json module recurses once per level of nesting; a batch needs three.
        raise BadBatch("The JSON is nested too deeply.") from None
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise BadBatch('Send {"items": [...]}, one object per row.')
    return [item if isinstance(item, dict) else None for item in items]


def _csv_rows(body: bytes, columns: set[str], required: set[str]) -> list[Row]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadBatch("The CSV is not UTF-8.") from None
    if "\x00" in text:
        raise BadBatch("The CSV holds a NUL character.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise BadBatch("The CSV is empty.")
        names = [h.strip().lower() for h in header]
        missing = required - set(names)
        if missing:
            raise BadBatch(f"The CSV header lacks {', '.join(sorted(missing))}.")
        refused = _refused_columns(names, columns)
        if refused:
            # Positions, not names: a header cell may hold anything, an install code included.
            raise BadBatch(
                f"CSV column{'s' if len(refused) > 1 else ''} {_positions(refused)} "
                f"{'are' if len(refused) > 1 else 'is'} unknown or repeated; "
                f"the accepted columns are {', '.join(sorted(columns))}, each at most once."
            )
        rows: list[Row] = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank lines, a trailing newline
            if len(rows) == MAX_ROWS:
                rows.append(None)  # enough to know it is too many
                break
            if len(values) != len(names):
                rows.append(None)
                continue
            rows.append({k: v for k, v in zip(names, values, strict=True) if v != ""})
    except csv.Error:
        # Read with newline="" and NULs refused, what is left to fail is a field over the csv
        # module's limit, most often a quote left open that swallows the lines after it.
        raise BadBatch(
            f"The CSV cannot be parsed at line {reader.line_num:,}: a field longer than "
            f"{csv.field_size_limit():,} characters, or a quote left open?"
        ) from None
    return rows


def _refused_columns(names: list[str], columns: set[str]) -> list[int]:
    """1-based positions of header cells that are not columns, or repeat an earlier one."""
    seen: set[str] = set()
    refused = []
    for position, name in enumerate(names, start=1):
        if name not in columns or name in seen:
            refused.append(position)
        seen.add(name)
    return refused


def _positions(numbers: list[int], shown: int = 10) -> str:
    listed = ", ".join(str(n) for n in numbers[:shown])
    return listed if len(numbers) <= shown else f"{listed} and {len(numbers) - shown:,} more"
