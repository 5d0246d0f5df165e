"""The layout of forms_app keeps its promise: imports run one way.

Module-level imports among forms_app modules form no cycle, and the only imports inside
functions that reach back up are the two Wagtail's own FormPage uses (the submissions
listing view class, and the call into intake from ``process_form_submission``), plus the
app config's ``ready()``.
"""

import ast
from pathlib import Path

from django.conf import settings

APP = settings.BASE_DIR / "forms_app"
ALLOWED_LAZY = {
    ("forms_app.models.pages", "forms_app.staff.wagtail_views"),
    ("forms_app.models.pages", "forms_app.intake.store"),
    ("forms_app.apps", "forms_app"),  # "from . import signals"
    ("forms_app.apps", "forms_app.signals"),
    ("forms_app.apps", "forms_app.models"),
    ("forms_app.apps", "forms_app.permissions"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(settings.BASE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(module: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = module.split(".")
    if node.level:
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    # "from .x import y" may import the submodule y.
    return [target, *(f"{target}.{alias.name}" for alias in node.names)]


def import_graph():
    """``({module: {imported forms_app modules}}, [(module, imported) inside functions]``."""
    sources = {
        module_name(path): path
        for path in APP.rglob("*.py")
        if "migrations" not in path.parts and "management" not in path.parts
    }
    top, lazy = {name: set() for name in sources}, []
    for name, path in sources.items():
        tree = ast.parse(path.read_text())
        is_package = path.name == "__init__.py"
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        inside = {id(n) for f in functions for n in ast.walk(f)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = {t for t in resolve(name, is_package, node) if t in sources}
            if id(node) in inside:
                lazy += [(name, target) for target in targets]
            else:
                top[name] |= targets
    return top, lazy


def find_cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_module_level_imports_have_no_cycle():
    top, _lazy = import_graph()
    # A package's __init__ importing its own submodules is how re-exports work, not a cycle.
    graph = {
        name: {t for t in targets if not t.startswith(name + ".")} for name, targets in top.items()
    }
    assert find_cycle(graph) is None


def test_only_wagtails_own_lazy_imports_reach_back_up():
    _top, lazy = import_graph()
    assert set(lazy) <= ALLOWED_LAZY, sorted(set(lazy) - ALLOWED_LAZY)
    assert ("forms_app.models.pages", "forms_app.intake.store") in lazy


def test_forms_and_intake_never_import_views_or_staff():
    top, lazy = import_graph()
    for name, targets in top.items():
        if name.startswith(("forms_app.intake", "forms_app.models", "forms_app.retention")):
            assert not any(t.startswith("forms_app.staff") for t in targets), name
    below_models = (
        "forms_app.intake.forms",
        "forms_app.intake.photos",
        "forms_app.intake.consent",
    )
    for name in below_models:
        assert not any(t.startswith("forms_app.models") for t in top[name]), name
    assert "forms_app.intake.forms" in top["forms_app.models.pages"]
