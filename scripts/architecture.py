"""The layering rules of ARCHITECTURE.md, checked: prints every import that goes upwards, sideways
between sibling packages or in a circle, every plugin import made inside a function, every private
name used outside its module, and every module over 600 lines. Exit status 1 if any."""
import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = "land_enforcement_plugin"
MAX_LINES = 600
# Rank of each layer, lowest first; a module may import a lower rank, or its own package.
LAYERS = (
    ("core", 0),  # foundation modules directly in core/: schema, errors, dates, rules, vector_input, ...
    ("resources", 0),
    ("core.store", 1),
    ("core.intake", 2),
    ("core.overlay", 2),
    ("core.imagery", 3),
    ("core.review", 4),
    ("core.season", 5),
    ("core.reports", 6),
    ("processing", 7),
    ("gui", 8),
    ("", 9),  # plugin.py, dependencies.py, __init__.py
)
# Public API of Python and Qt objects that happens to start with an underscore.
PUBLIC_UNDERSCORE = {"_replace", "_asdict", "_fields", "_make", "_value_", "_name_", "_missing_", "_exit",
                     "_getframe"}


def layer_of(module):
    """(layer name, rank) of a dotted module name inside the plugin."""
    rest = module[len(PKG) + 1:] if module != PKG else ""
    best = ("", 9)
    for name, rank in LAYERS:
        if name and (rest == name or rest.startswith(name + ".")):
            if len(name) > len(best[0]):
                best = (name, rank)
    if best[0] == "core" and rest.count(".") > 1:  # a package under core/ that no layer names
        best = (rest.rsplit(".", 1)[0], 0)
    return best


def plugin_modules():
    found = {}
    for base, _, files in os.walk(os.path.join(ROOT, PKG)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(base, name)
                dotted = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                found[dotted[:-9] if dotted.endswith(".__init__") else dotted] = path
    return found


def imported(module, path, node, modules):
    """[(target module, imported name or None)] of one import statement."""
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names]
    if node.level:
        parts = module.split(".")
        if not path.endswith("__init__.py"):
            parts = parts[:-1]
        parts = parts[:len(parts) - node.level + 1]
        target = ".".join(parts + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [(f"{target}.{alias.name}", None) if f"{target}.{alias.name}" in modules else (target, alias.name)
            for alias in node.names]


def function_import_nodes(tree):
    inside = set()
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(node) for node in ast.walk(function) if isinstance(node, (ast.Import, ast.ImportFrom)))
    return inside


def cycles(edges):
    graph = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def problems():
    modules = plugin_modules()
    found, edges = [], []
    for module, path in sorted(modules.items()):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        relative = os.path.relpath(path, ROOT)
        lines = text.count("\n")
        if lines > MAX_LINES:
            found.append(f"{relative}: {lines} lines (at most {MAX_LINES})")
        tree = ast.parse(text)
        in_function = function_import_nodes(tree)
        own_layer, own_rank = layer_of(module)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target, name in imported(module, path, node, modules):
                    if not target.startswith(PKG) or target not in modules:
                        continue
                    if name and name.startswith("_") and not name.startswith("__"):
                        found.append(f"{relative}:{node.lineno}: private name {name} of {target}")
                    if target == module:
                        continue
                    edges.append((module, target))
                    if id(node) in in_function and module != PKG:  # classFactory: QGIS's own convention
                        found.append(f"{relative}:{node.lineno}: imports {target} inside a function")
                    layer, rank = layer_of(target)
                    if layer != own_layer and rank >= own_rank:
                        found.append(f"{relative}:{node.lineno}: {own_layer or 'plugin'} (rank {own_rank}) "
                                     f"imports {target} ({layer or 'plugin'}, rank {rank})")
            elif (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                  and node.attr not in PUBLIC_UNDERSCORE and not (isinstance(node.value, ast.Name)
                                                                 and node.value.id in ("self", "cls"))):
                found.append(f"{relative}:{node.lineno}: private name {node.attr} used outside its module")
    found.extend(f"import cycle: {' -> '.join(component)}" for component in cycles(edges))
    return found


def main():
    found = problems()
    for line in found:
        print(line)
    print(f"{len(found)} layering problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
