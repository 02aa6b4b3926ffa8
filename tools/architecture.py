"""Check and describe the package's layering: ``python tools/architecture.py``.

Reads every module of ``escalation/`` with :mod:`ast` (nothing is imported) and finds every
import of the package's own modules, at module level, inside functions and under
``TYPE_CHECKING`` alike. Prints the modules per layer, the largest module and the longest
function, and exits with status 1 when a layer imports a layer above it, when modules import
each other in a cycle, or when a module or function is over its size limit (a function may
be longer when the comment line just above it says it "reads better whole").
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "escalation"

#: Layers from the bottom up; a module may import its own layer and the layers below it.
LAYERS = ("base", "model", "sim", "ensemble", "calibrate", "validate", "plot", "cli")
#: Modules above every layer: the facade and its helpers.
FACADE = {"escalation", "escalation.__main__", "escalation._compat"}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
WHOLE = "reads better whole"


@dataclass
class Module:
    """One module: its name, path, size and what it imports of the package."""

    name: str
    path: Path
    lines: int
    imports: set[str] = field(default_factory=set)
    functions: list[tuple[str, int, bool]] = field(default_factory=list)


def module_name(path: Path) -> str:
    """Dotted name of a module file under :data:`ROOT`."""
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(name: str) -> int:
    """Index of a module's layer in :data:`LAYERS`, or ``len(LAYERS)`` for the facade."""
    if name in FACADE:
        return len(LAYERS)
    return LAYERS.index(name.split(".")[1])


def read(path: Path, known: set[str]) -> Module:
    """Parse one module."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    mod = Module(module_name(path), path, len(lines))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "escalation" or node.module.startswith("escalation."):
                mod.imports.add(node.module)
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    if sub in known:
                        mod.imports.add(sub)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "escalation" or alias.name.startswith("escalation."):
                    mod.imports.add(alias.name)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            above = lines[start - 2] if start >= 2 else ""
            mod.functions.append((node.name, length, WHOLE in above))
    mod.imports.discard(mod.name)
    return mod


def modules() -> dict[str, Module]:
    """Every module of the package, by name."""
    paths = sorted(ROOT.rglob("*.py"))
    known = {module_name(p) for p in paths}
    return {m.name: m for m in (read(p, known) for p in paths)}


def upward_imports(mods: dict[str, Module]) -> list[str]:
    """Imports of a higher layer (and of the command line by the plots)."""
    bad = []
    for m in mods.values():
        for imp in sorted(m.imports):
            if imp == "escalation" and m.name not in FACADE:
                bad.append(f"{m.name} imports the facade 'escalation'")
            elif imp in mods and layer(imp) > layer(m.name):
                bad.append(f"{m.name} ({LAYERS[layer(m.name)]}) imports {imp}")
    return bad


def cycles(mods: dict[str, Module]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), ignoring the facade."""
    graph = {
        n: sorted(i for i in m.imports if i in mods and i not in FACADE)
        for n, m in mods.items()
        if n not in FACADE
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def oversized(mods: dict[str, Module]) -> list[str]:
    """Modules and functions over their limits."""
    bad = [
        f"{m.name}: {m.lines} lines (limit {MAX_MODULE_LINES})"
        for m in mods.values()
        if m.lines > MAX_MODULE_LINES
    ]
    for m in mods.values():
        for name, length, whole in m.functions:
            if length > MAX_FUNCTION_LINES and not whole:
                bad.append(f"{m.name}.{name}: {length} lines (limit {MAX_FUNCTION_LINES})")
    return bad


def report(mods: dict[str, Module]) -> str:
    """Modules per layer, the largest module and the longest function."""
    rows = []
    for i, name in enumerate((*LAYERS, "facade")):
        members = [m for m in mods.values() if layer(m.name) == i]
        rows.append(f"{name:10} {len(members):3} modules {sum(m.lines for m in members):6} lines")
    largest = max(mods.values(), key=lambda m: m.lines)
    longest = max(
        ((m.name, f, n) for m in mods.values() for f, n, _ in m.functions), key=lambda x: x[2]
    )
    rows.append(f"largest module: {largest.name} ({largest.lines} lines)")
    rows.append(f"longest function: {longest[0]}.{longest[1]} ({longest[2]} lines)")
    return "\n".join(rows)


def main() -> int:
    """Print the report and the problems; 1 if there are any."""
    mods = modules()
    print(report(mods))
    problems = upward_imports(mods) + [" <-> ".join(c) for c in cycles(mods)] + oversized(mods)
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
