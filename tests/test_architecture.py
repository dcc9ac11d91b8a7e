"""The layering holds: no import cycle among the project's modules, parsers/ and reports/
never import the maillogs package (CLI, config, store, mail), no module is over 500 lines."""

from __future__ import annotations

import ast
import re
from importlib import metadata
from pathlib import Path

import maillogs

ROOT = Path(__file__).parents[1]
PACKAGES = ("maillogs", "parsers", "reports")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The project's modules `path` imports anywhere (lazily, or for type checking too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # "module:attribute", imported by name (the CLI's commands load on first use)
            named = re.fullmatch(r"([\w.]+):\w+", node.value)
            targets = [named[1]] if named else []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from a import b` imports the module a.b where there is one, else a
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]  # fmt: skip
        else:
            continue
        out.update(target for target in targets if target in modules)
    return out - {name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_sees_the_imports() -> None:
    graph = _graph()
    assert "maillogs.cli.report" in graph["maillogs.cli.group"]
    assert "reports.sections.tls" in graph["reports.sections"]
    assert "reports.builder" in graph["maillogs.sources"]


def test_a_cycle_would_be_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle() -> None:
    assert _cycle(_graph()) is None


def test_parsers_and_reports_do_not_import_maillogs() -> None:
    wrong = {
        (name, target)
        for name, targets in _graph().items()
        if name.split(".")[0] in ("parsers", "reports")
        for target in targets
        if target.split(".")[0] == "maillogs"
    }
    assert wrong == set()


def test_no_module_is_over_500_lines() -> None:
    long = {
        name: lines
        for name, path in _modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}


def test_the_html_page_names_the_version_maillogs_has() -> None:
    """reports reads the version from the installed distribution, not from maillogs."""
    assert metadata.version("maillogs") == maillogs.__version__
