"""The house of floors (DESIGN.md): every module imports only from its own floor or below, never in a circle.

The source is walked with ``ast``, so imports inside functions count too; imports under
``if TYPE_CHECKING:`` (type hints only) do not. The root ``glassnet/__init__.py`` is the facade: it may
import anything, and no module inside the package may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "glassnet"

#: the floor of each top-level module or subpackage of glassnet (DESIGN.md draws them)
FLOORS = {
    "errors": 1, "_validation": 1, "serialization": 1, "defaults": 1, "_version": 1,
    "nn": 2, "optim": 2, "train": 2,
    "files": 3, "data": 3, "plots": 3,
    "estimators": 4, "strategy": 4, "export": 4,
    "lessons": 5, "lab": 5,
    "cli": 6,
}
MAX_MODULE_LINES = 400


def module_names(root: Path) -> dict[str, Path]:
    """``{"nn.layers": path, "nn": path/__init__.py, ...}`` for every module below ``root`` (the facade excluded)."""
    names = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            names[".".join(parts)] = path
    return names


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
                skipped.update(id(sub) for sub in ast.walk(node))
    return skipped


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The glassnet modules that module ``name`` imports at run time (``""`` stands for the root facade)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names if alias.name == "glassnet" or alias.name.startswith("glassnet.")]
            found.update(target[len("glassnet."):] if target != "glassnet" else "" for target in targets)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            elif node.module == "glassnet" or (node.module or "").startswith("glassnet."):
                module = node.module[len("glassnet."):] if node.module != "glassnet" else ""
            else:
                continue
            for alias in node.names:  # `from glassnet.nn import layers` imports the module nn.layers
                submodule = f"{module}.{alias.name}" if module else alias.name
                found.add(submodule if submodule in modules else module)
    return found


def floor_of(module: str) -> int | None:
    return FLOORS.get(module.split(".")[0])


def problems(root: Path) -> list[str]:
    """Every upward import, import of the facade, unplaced module and cycle below ``root``."""
    modules = module_names(root)
    graph = {name: imports_of(name, path, modules) - {name} for name, path in modules.items()}
    found = []
    for name, targets in sorted(graph.items()):
        if floor_of(name) is None:
            found.append(f"{name}: not on any floor (add it to FLOORS)")
            continue
        for target in sorted(targets):
            if target == "":
                found.append(f"{name} imports the glassnet facade; import the module that defines the name")
            elif floor_of(target) is None or floor_of(target) > floor_of(name):
                found.append(f"{name} (floor {floor_of(name)}) imports {target} (floor {floor_of(target)}): upward")
    found += [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(graph)]
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (depth-first search with colours)."""
    colour, stack, found, seen_groups = {}, [], [], set()

    def visit(node: str) -> None:
        colour[node] = "grey"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if colour.get(target) == "grey":
                cycle = stack[stack.index(target):] + [target]
                key = frozenset(cycle)
                if key not in seen_groups:
                    seen_groups.add(key)
                    found.append(cycle)
            elif target in graph and target not in colour:
                visit(target)
        stack.pop()
        colour[node] = "black"

    for node in sorted(graph):
        if node not in colour:
            visit(node)
    return found


def test_imports_only_run_downward_or_sideways_without_a_circle():
    assert problems(PACKAGE) == []


def test_no_module_is_longer_than_the_limit():
    long = {name: n for name, path in module_names(PACKAGE).items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("nn/network.py", "def f():\n    from glassnet.files.checkpoints import Checkpointer\n", "nn.network (floor 2) imports files.checkpoints (floor 3): upward"),
        ("train/loop.py", "from ..cli import main\n", "train.loop (floor 2) imports cli.main (floor 6): upward"),
        ("optim/schedules.py", "import glassnet\n", "optim.schedules imports the glassnet facade"),
        ("nn/layers.py", "from glassnet.nn import network\n", "nn.layers -> nn.network"),  # the cycle may be reported from another start
        ("widgets.py", "x = 1\n", "widgets: not on any floor"),
    ],
)
def test_the_check_finds_an_upward_import_a_facade_import_a_cycle_and_an_unplaced_module(tmp_path, module, source, expected):
    """A copy of the real package with one bad import added by hand: the check must name it."""
    copy = tmp_path / "glassnet"
    for path in PACKAGE.rglob("*.py"):
        target = copy / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert problems(copy) == []
    broken = copy / module
    broken.write_text((broken.read_text(encoding="utf-8") if broken.exists() else "") + "\n" + source, encoding="utf-8")
    assert any(expected in problem for problem in problems(copy)), problems(copy)


def test_type_checking_imports_do_not_count(tmp_path):
    (tmp_path / "nn").mkdir()
    (tmp_path / "nn" / "__init__.py").write_text("")
    (tmp_path / "nn" / "network.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from glassnet.cli import main\n")
    assert problems(tmp_path) == []


MAX_FUNCTION_LINES = 50


def long_functions(root: Path) -> dict[str, int]:
    """Functions whose body (after the signature and docstring) is longer than the limit, unless the
    docstring says why with "Long on purpose"."""
    found = {}
    for name, path in module_names(root).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            docstring = ast.get_docstring(node) or ""
            first = node.body[1] if docstring and len(node.body) > 1 else node.body[0]
            lines = node.end_lineno - first.lineno + 1
            if lines > MAX_FUNCTION_LINES and "Long on purpose" not in docstring:
                found[f"{name}.{node.name}"] = lines
    return found


def test_no_function_body_is_longer_than_the_limit():
    assert long_functions(PACKAGE) == {}


def test_the_function_check_counts_the_body_and_honours_a_reason(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES + 1))
    (tmp_path / "errors.py").write_text(f'def long():\n    """Short docstring."""\n{body}\n\ndef explained():\n    """Long on purpose: a table."""\n{body}')
    assert long_functions(tmp_path) == {"errors.long": MAX_FUNCTION_LINES + 1}


def test_the_training_loop_never_imports_the_network_module():
    """DESIGN: train/ works on the network by duck typing, so nn.network may import the loop without a circle."""
    modules = module_names(PACKAGE)
    for name, path in modules.items():
        if name.split(".")[0] == "train":
            assert "nn.network" not in imports_of(name, path, modules), name
