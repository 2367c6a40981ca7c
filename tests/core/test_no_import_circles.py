"""No import circles in src/ccc_governance: every module's imports, at module level and inside
functions (a lazy import is how a circle hides), relative or absolute, form a graph without a cycle.

A package's `__init__` is a node of its own, reached by importing the package or a name from it
(`from . import x` reaches the submodule `x` when there is one); the parent packages that Python
runs before a submodule are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ccc_governance

PACKAGE = "ccc_governance"
ROOT = Path(ccc_governance.__file__).resolve().parent


def module_files(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file; a package's `__init__.py` is the package's own node."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join([package, *parts])] = path
    return modules


def _base(module: str, path: Path, level: int) -> str:
    """The package a relative import of `level` dots in `module` starts from."""
    parts = module.split(".")
    if path.name != "__init__.py":
        parts.pop()  # a module's package; a package's `__init__` is in the package itself
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts)


def imports_of(module: str, path: Path, modules: set[str]) -> set[str]:
    """The modules of `modules` that `module` imports, anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _base(module, path, node.level)
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in modules:  # `from . import x` with x a module imports that module
                    found.add(submodule)
                elif source in modules:
                    found.add(source)
    found.discard(module)
    return found


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    files = module_files(root, package)
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components with more than one module (every cycle lies inside one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(start: str) -> None:  # iterative: no recursion limit on a deep graph
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def a_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """The shortest circle from the component's first module back to it, as the modules it passes."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:  # breadth first: the shortest way back to `start`
        node = queue.pop(0)
        for child in sorted(graph[node] & component):
            if child == start:
                return paths[node] + [start]
            if child not in paths:
                paths[child] = paths[node] + [child]
                queue.append(child)
    raise AssertionError(f"no cycle in {sorted(component)}")


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per group of modules that import each other."""
    return [a_cycle(graph, component) for component in strongly_connected(graph)]


def test_no_import_circles():
    graph = import_graph()
    # The graph is the real one, lazy imports included: the CLI's context opens the store inside
    # a function.
    assert len(graph) > 100
    assert "ccc_governance.store.db" in graph["ccc_governance.cli.context"]
    found = circles(graph)
    assert not found, "import circles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_lazy_relative_import_closes_a_circle(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from .sub import b\n",
            "sub/__init__.py": "",
            "sub/b.py": "def f():\n    from .. import a\n    return a\n",
        },
    )
    graph = import_graph(root, "pkg")
    assert graph["pkg.a"] == {"pkg.sub.b"}
    assert graph["pkg.sub.b"] == {"pkg.a"}
    assert circles(graph) == [["pkg.a", "pkg.sub.b", "pkg.a"]]


def test_a_name_from_a_package_points_at_its_init_and_absolute_imports_count(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "from .c import hook\n",
            "c.py": "hook = 1\n",
            "d.py": "import pkg.c\nfrom pkg import hook\n",
            "e.py": "from . import d, missing\n",
        },
    )
    graph = import_graph(root, "pkg")
    assert graph["pkg"] == {"pkg.c"}
    assert graph["pkg.d"] == {"pkg.c", "pkg"}
    assert graph["pkg.e"] == {"pkg.d", "pkg"}
    assert circles(graph) == []
