"""The one transaction rule (services/common/db.py's docstring), checked over services/: only db.py
commits, rolls back, begins a transaction or reads a session's `info`; services never open a
session or end a transaction; only routes end one early."""

import ast
from collections.abc import Iterator
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "services"
DB = SERVICES / "common" / "db.py"

TRANSACTION_CONTROL = {"commit", "rollback", "begin"}
"""Methods that end or open a transaction (`begin_nested`, a savepoint inside one, is allowed)."""

ALLOWED = {
    # Alembic's connection, in the migration runner: an entry point with no session.
    ("common/migrations.py", "run_env.main"),
    # The development test clock's one-row Core table, written on the engine outside any session.
    ("common/test_clock.py", "TestClock.set"),
    # The SQLite driver adapter passing a commit or rollback on to aiosqlite: it is the DBAPI.
    ("common/sqlite.py", "OneHopConnection.commit"),
    ("common/sqlite.py", "OneHopConnection.rollback"),
}


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SERVICES.rglob("*.py")):
        if path != DB:
            yield path.relative_to(SERVICES).as_posix(), ast.parse(path.read_text(), str(path))


def calls(tree: ast.AST, scope: str = "") -> Iterator[tuple[str, ast.AST, ast.AST | None]]:
    """Every node with the dotted name of the function or class it is in, and its parent."""
    for child in ast.iter_child_nodes(tree):
        inner = scope
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            inner = f"{scope}.{child.name}" if scope else child.name
        yield inner, child, tree
        yield from calls(child, inner)


def called_name(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return node.func.id if isinstance(node.func, ast.Name) else None


def test_only_db_py_commits_rolls_back_begins_or_reads_the_hooks() -> None:
    found = set()
    for module, tree in modules():
        for scope, node, parent in calls(tree):
            control = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in TRANSACTION_CONTROL
            ) or called_name(node) in {"commit", "_commit"}
            # `session.info` (the after-commit hooks live there); `log.info(...)` is a call.
            info = (
                isinstance(node, ast.Attribute)
                and node.attr == "info"
                and not (isinstance(parent, ast.Call) and parent.func is node)
            )
            if control or info:
                found.add((module, scope))
    assert found == ALLOWED


def test_services_never_open_or_end_a_transaction() -> None:
    """A service takes its caller's session: `transaction` is for tasks, `end_transaction` for
    routes, and neither opens a session of its own."""
    found = set()
    for module, tree in modules():
        name = module.rsplit("/", 1)[-1]
        for scope, node, _ in calls(tree):
            called = called_name(node)
            if called == "end_transaction" and name != "endpoints.py":
                found.add((module, scope, called))
            if called in {"transaction", "sessions"} and name in {"service.py", "repository.py"}:
                found.add((module, scope, called))
    assert found == set()
