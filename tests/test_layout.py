"""The shape of the code: no import cycle, lower layers never import higher ones, and every
package's public names are exactly its ``__all__``.

Imports are read from the source (module level and inside functions, not those under
``if TYPE_CHECKING:``, which never run), so a cycle cannot hide in a function-local import.
Importing ``a.b.c`` also runs ``a/b/__init__``: an import counts as one of every package on
the way that the importer is not itself inside.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGES: Final = ("sdk", "collector", "dashboards", "stack")

#: package -> the packages it must never import (the data flow: sdk emits, collector moves,
#: dashboards read, stack runs it all)
FORBIDDEN: Final = {
    "sdk": {"collector", "dashboards", "stack"},
    "collector": {"dashboards", "stack"},
    "dashboards": {"collector", "stack"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES: Final = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: the ``if TYPE_CHECKING:`` branches left out."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        yield submodule if submodule in MODULES else base


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """module -> the project modules that importing it runs (directly)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        edges: set[str] = set()
        own = {*_ancestors(module), module}
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(module, node):
                if target not in MODULES:
                    continue
                edges.update(m for m in (*_ancestors(target), target) if m not in own)
        graph[module] = edges & MODULES.keys()
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_sees_a_cycle_hidden_in_a_function() -> None:
    source = "def later():\n    from b import thing\n"
    tree = ast.parse(source)
    [node] = list(_imports(tree))
    assert isinstance(node, ast.ImportFrom)
    assert node.module == "b"
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_imports_under_type_checking_are_not_edges() -> None:
    source = "if TYPE_CHECKING:\n    from b import T\nelse:\n    import c\nimport typing\n"
    names = [getattr(n, "module", None) or n.names[0].name for n in _imports(ast.parse(source))]
    assert names == ["c", "typing"]


def test_an_import_runs_the_packages_on_its_way() -> None:
    graph = import_graph()
    # the log core starts Sentry: an edge to the package's __init__ as well as its module
    assert {"sdk.sentry"} <= graph["sdk.log._configure"]
    assert "sdk" not in graph["sdk.log._configure"]  # its own package is already running


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_higher_ones(package: str) -> None:
    graph = import_graph()
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == package
        for target in targets
        if target.split(".")[0] in FORBIDDEN[package]
    )
    assert wrong == []


def _public_packages() -> list[str]:
    """``sdk`` and every package or public module below it (no ``_`` in its path)."""
    names = ["sdk"]
    sdk = importlib.import_module("sdk")
    for info in pkgutil.walk_packages(sdk.__path__, "sdk."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _imported_from_elsewhere(name: str, value: object) -> bool:
    """A class, function or object of the standard library or a dependency (``Any``,
    ``Mapping``, ``datetime.UTC``); a constant or a type alias counts as the module's own."""
    if getattr(typing, name, None) is value:
        return True
    if isinstance(value, type) or inspect.isroutine(value):
        home = getattr(value, "__module__", None)
        if home is None:  # a bound method of a module-level object (``ContextVar.get``)
            return False
    elif type(value).__module__ in {"builtins", "typing", "types"}:
        return False
    else:
        home = type(value).__module__
    return str(home).split(".")[0] not in PACKAGES


def _defined_names(module: types.ModuleType) -> set[str]:
    """What a module offers: its public names, less submodules and the typing helpers."""
    names = set(dir(module))  # ``sdk`` lists its lazy names in ``__dir__``
    offered = set()
    for name in names:
        if name.startswith("_") or name in {"annotations", "TYPE_CHECKING"}:  # __future__
            continue
        value = getattr(module, name)
        if isinstance(value, types.ModuleType):
            continue
        if _imported_from_elsewhere(name, value):
            continue
        offered.add(name)
    return offered


@pytest.mark.parametrize("name", _public_packages())
def test_public_names_are_exactly_all(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert sorted(_defined_names(module)) == sorted(exported)
    assert list(exported) == sorted(exported, key=lambda n: (not n.isupper(), n[:1].islower(), n))


def test_the_sdk_is_laid_out_in_rooms() -> None:
    rooms = {p.name for p in (ROOT / "sdk").iterdir() if (p / "__init__.py").exists()}
    assert {"schema", "log", "inbound", "client", "sentry", "store", "chain", "testing"} <= rooms
    flat = sorted(p.name for p in (ROOT / "sdk").glob("*.py"))
    assert flat == ["__init__.py", "cli.py"]
