"""Printing results: a table for people, JSON for scripts (`--json`)."""

import json
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.client import Answer, ok

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]

# To a terminal, tables fit its width; piped, every value is printed whole.
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 1000)


def show(answer: Answer[object], as_json: bool, columns: Sequence[str] | None = None) -> None:
    """A service's answer, once `ok()` has judged it, printed as the service wrote it: its keys
    in its order and its timestamps as sent (a model's `to_dict()` sorts the keys, since the
    published documents do, and rewrites `Z` as `+00:00`)."""
    ok(answer)
    show_data(json.loads(answer.content), as_json, columns)


def show_data(data: Any, as_json: bool, columns: Sequence[str] | None = None) -> None:
    """A list (or a page's items) as a table of `columns`; one object as field: value lines."""
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    items = data.get("items") if isinstance(data, dict) and "items" in data else data
    if isinstance(items, list):
        names = list(columns or (list(items[0]) if items else []))
        table = Table(*names, box=None)
        for item in items:
            table.add_row(*(_text(item.get(name)) for name in names))
        console.print(table)
        if isinstance(data, dict) and data.get("next_cursor"):
            typer.echo(f"(more: --cursor {data['next_cursor']})")
        return
    for key, value in data.items():
        typer.echo(f"{key}: {_text(value)}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)
