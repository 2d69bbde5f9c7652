"""No import cycle anywhere in app/, imports inside functions included: features import
app.live, and app.live reaches the features only through app/live/kinds.py."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
FEATURES = {"board", "chart", "export", "tags", "votes", "facilitation", "history", "workshops", "privacy"}


def _feature(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else None


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Imports under `if TYPE_CHECKING:` never run."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            return True
    return False


def import_graph() -> dict[str, set[str]]:
    """Module -> the app modules it imports, at the top or inside a function."""
    modules = {_module_name(p): p for p in APP.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        found: set[str] = set()
        for node in ast.walk(tree):
            if _type_checking_only(node, parents):
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from app.x import module`
                found.add(node.module)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_the_graph_sees_imports_inside_functions_and_a_cycle_fails(tmp_path):
    graph = import_graph()
    assert "app.live.fragments" in graph["app.board.fragments"] and "app.board.fragments" in graph["app.live.kinds"]
    assert not any(_feature(m) for m in graph["app.live.fragments"])  # the registry imports no feature
    inside = ast.parse("def f():\n    from app.live import hub\n")
    assert any(isinstance(n, ast.ImportFrom) for n in ast.walk(inside))  # what import_graph walks
    with_cycle = {**graph, "app.live.fragments": {"app.board.fragments"}}
    try:
        tuple(graphlib.TopologicalSorter(with_cycle).static_order())
    except graphlib.CycleError:
        return
    raise AssertionError("a cycle went unnoticed")


def test_no_import_cycle_in_app():
    try:
        tuple(graphlib.TopologicalSorter(import_graph()).static_order())
    except graphlib.CycleError as cycle:
        raise AssertionError(f"import cycle: {' -> '.join(cycle.args[1])}") from None


def test_app_live_names_the_features_in_one_place():
    naming = {
        module for module, imports in import_graph().items()
        if module.startswith("app.live.") and any(_feature(m) and m != "app.facilitation.rules" for m in imports)
    }
    # The socket reads who is asking (workshops.service); kinds names the fragments; the room's rules apply to every change.
    assert naming <= {"app.live.kinds", "app.live.socket"}, naming
