"""The notifier's packages import one way: no circle between its packages and top-level modules,
and nothing imports the composition root (`app`).

The graph is read from the source with `ast` (every import, those under `TYPE_CHECKING` and inside
functions too), one node per top-level module or package of `services/notifier`. Run this module
to print it.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import services.notifier

ROOT = Path(services.notifier.__file__).parent
PREFIX = "services.notifier"

Graph = dict[str, set[str]]


def _node(path: Path) -> str:
    """`delivery` for services/notifier/delivery/service.py, `runtime` for runtime.py."""
    first = path.relative_to(ROOT).parts[0]
    return first.removesuffix(".py")


def _imported(tree: ast.AST, module: str) -> Iterator[str]:
    """The dotted names `tree` (the module `module`) imports, made absolute."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.rsplit(".", node.level)[0]
                base = f"{parent}.{base}" if base else parent
            # `from services.notifier import models` imports the module `models`.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> Graph:
    graph: Graph = {}
    for path in sorted(ROOT.rglob("*.py")):
        if path.parent == ROOT and path.name == "__init__.py":
            continue
        source = _node(path)
        module = ".".join((PREFIX, *path.relative_to(ROOT).with_suffix("").parts))
        targets = graph.setdefault(source, set())
        for name in _imported(ast.parse(path.read_text(), str(path)), module):
            parts = name.split(".")
            if parts[:2] == PREFIX.split(".") and len(parts) > 2 and parts[2] != source:
                targets.add(parts[2])
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Each circle found by a depth-first search (one per back edge)."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        for target in sorted(graph.get(node, ())):
            if target in path:
                found.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target, [*path, target])
        done.add(node)

    for node in sorted(graph):
        if node not in done:
            visit(node, [node])
    return found


def render(graph: Graph) -> str:
    return "\n".join(
        f"{node} -> {', '.join(sorted(targets)) or '(nothing)'}"
        for node, targets in sorted(graph.items())
    )


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert {"app", "delivery", "endpoints", "feed", "sla", "transports"} <= graph.keys()
    assert "endpoints" in graph["delivery"]


def test_no_package_imports_another_back() -> None:
    graph = import_graph()
    assert cycles(graph) == [], render(graph)


def test_nothing_imports_the_composition_root() -> None:
    graph = import_graph()
    assert [node for node, targets in graph.items() if "app" in targets] == [], render(graph)


def test_the_runtime_and_the_transports_import_only_leaves() -> None:
    graph = import_graph()
    # The mailer reads its settings (a leaf itself); nothing else.
    assert graph["transports"] <= {"settings"}, render(graph)
    assert graph["runtime"] <= {"settings", "transports"}, render(graph)


def test_endpoints_import_no_delivery_or_feed() -> None:
    graph = import_graph()
    assert not graph["endpoints"] & {"delivery", "feed"}, render(graph)


def test_a_circle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


if __name__ == "__main__":
    print(render(import_graph()))
