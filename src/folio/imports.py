"""What a task's action runs, read from the package's own import statements: the folio modules
(so that an edit to any of them reruns the task) and the installed libraries (so that a new
version of one reruns it). Nothing is listed by hand, so a new module cannot be forgotten.

Reading the imports costs 0.08 s and finding which distribution holds each library 0.09 s, too
much for a no-op build: both are kept in a cache file, read again only for the modules whose
files changed and the libraries when an installation changed.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .fileio import write_text

# A module that reads data from packages it does not import (the fonts, found by their family
# name) names them in a tuple of this name: they are its libraries too.
DATA_PACKAGES = "DATA_PACKAGES"


@dataclass(frozen=True)
class Imports:
    """One module's imports: at module level, and inside each of its top-level functions."""

    module: tuple[str, ...]  # folio modules and libraries (top-level names), as "folio.x" or "weasyprint"
    functions: dict[str, tuple[str, ...]]
    uses: dict[str, tuple[str, ...]]  # the module's other top-level functions each one names
    data_packages: tuple[str, ...]

    def everything(self) -> set[str]:
        return {*self.module, *(name for names in self.functions.values() for name in names)}

    def of_function(self, function: str) -> set[str]:
        """What the module imports at module level, and what the function imports in its body
        or in the module's functions it names, at any depth."""
        names, seen, todo = set(self.module), set(), [function]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.functions:
                continue
            seen.add(current)
            names |= set(self.functions[current])
            todo += self.uses[current]
        return names


class Reader:
    """The imports of the modules of one package, with a cache file for what it has read."""

    def __init__(self, package: Path, cache: Path | None = None):
        self.package = package
        self.name = package.name
        self.cache = cache
        self._state = self._load()
        self._changed = False

    def dependencies(self, target: str) -> tuple[list[Path], dict[str, str]]:
        """The module files and the distributions (with their versions) that `target` runs:
        "module" (everything the module imports, at any depth) or "module.function" (what the
        module imports at module level and what the function imports in its body, or in the
        module's functions it names; the modules they reach, whole)."""
        module, _, function = target.partition(".")
        imports = self.imports(module)
        start = imports.of_function(function) if function else imports.everything()
        modules, libraries, data = {module}, set(), set(imports.data_packages)
        todo = list(start)
        while todo:
            name = todo.pop()
            if name.startswith(f"{self.name}."):
                inner = name.split(".")[1]
                if inner not in modules and (self.package / f"{inner}.py").exists():
                    modules.add(inner)
                    reached = self.imports(inner)
                    data |= set(reached.data_packages)
                    todo += reached.everything()
            elif name not in sys.stdlib_module_names:
                libraries.add(name)
        versions = self.distributions(libraries) | {name: self._version(name) for name in sorted(data)}
        self.save()
        return sorted(self.package / f"{m}.py" for m in modules), versions

    def imports(self, module: str) -> Imports:
        path = self.package / f"{module}.py"
        stat = path.stat()
        key = f"{stat.st_mtime_ns}:{stat.st_size}"
        entry = self._state["modules"].get(module)
        if not entry or entry["key"] != key:
            entry = {"key": key, **_read_imports(path, self.name)}
            self._state["modules"][module] = entry
            self._changed = True
        return Imports(
            tuple(entry["module"]),
            {k: tuple(v) for k, v in entry["functions"].items()},
            {k: tuple(v) for k, v in entry["uses"].items()},
            tuple(entry["data"]),
        )

    def distributions(self, libraries: set[str]) -> dict[str, str]:
        """The installed distributions that hold these top-level modules, and every installed
        distribution they require, at any depth (not those of their optional extras), with
        their versions."""
        cached = self._installed()
        found: set[str] = set()
        todo = [dist for name in libraries for dist in cached["of"].get(name, [])]
        while todo:
            dist = re.sub(r"[-_.]+", "-", todo.pop()).lower()  # one spelling of each name
            if dist in found:
                continue
            if dist not in cached["requires"]:
                cached["requires"][dist] = _requirements(dist)
                self._changed = True
            if cached["requires"][dist] is not None:
                found.add(dist)
                todo += cached["requires"][dist]
        return {dist: self._version(dist) for dist in sorted(found)}

    def _installed(self) -> dict:
        """What is known of the installed distributions, forgotten when an installation changes."""
        key = _installation()
        cached = self._state["distributions"]
        if cached.get("key") != key:
            cached.clear()
            of = {name: sorted(set(dists)) for name, dists in metadata.packages_distributions().items()}
            cached.update(key=key, of=of, requires={}, versions={})
            self._changed = True
        return cached

    def _version(self, dist: str) -> str:
        versions = self._installed()["versions"]
        if dist not in versions:
            versions[dist] = metadata.version(dist)
            self._changed = True
        return versions[dist]

    def save(self) -> None:
        if self.cache and self._changed:
            try:
                write_text(self.cache, json.dumps(self._state, sort_keys=True))
            except OSError:  # a read-only build folder: read again next time
                pass
            self._changed = False

    def _load(self) -> dict:
        try:
            state = json.loads(self.cache.read_text(encoding="utf-8")) if self.cache else None
        except (OSError, ValueError):
            state = None
        if not isinstance(state, dict) or state.get("package") != str(self.package):
            state = {"package": str(self.package), "modules": {}, "distributions": {}}
        return state


def _installation() -> str:
    """Changes when a distribution is installed, removed or upgraded: the times of the folders
    distributions are installed in."""
    return json.dumps([(p, Path(p).stat().st_mtime_ns) for p in sys.path if p.endswith(("site-packages", "dist-packages"))])


def _requirements(dist: str) -> list[str] | None:
    """The distributions an installed distribution requires (not those of its optional extras);
    None where it is not installed (an optional extra of the one that requires it)."""
    try:
        requires = metadata.requires(dist) or []
    except metadata.PackageNotFoundError:
        return None
    return [m[0] for r in requires if "extra ==" not in r and (m := re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r))]


def _read_imports(path: Path, package: str) -> dict:
    tree = ast.parse(path.read_bytes(), str(path))
    module: list[str] = []
    functions: dict[str, list[str]] = {}
    uses: dict[str, list[str]] = {}
    data: list[str] = []
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            continue  # imports for the type checker only: not run
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = sorted({name for inner in ast.walk(node) for name in _names(inner, package)})
            uses[node.name] = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in defined})
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == DATA_PACKAGES for t in node.targets):
            data = list(ast.literal_eval(node.value))
        else:
            module += [name for inner in ast.walk(node) for name in _names(inner, package)]
    return {"module": sorted(set(module)), "functions": functions, "uses": uses, "data": data}


def _names(node: ast.AST, package: str) -> list[str]:
    """What an import statement imports: "folio.x" for the package's modules, else the top-level name."""
    if isinstance(node, ast.Import):
        return [_top(alias.name, package) for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level == 0 and node.module:
        if node.module != package:
            return [_top(node.module, package)]
        return [f"{package}.{alias.name}" for alias in node.names]
    if node.module:  # from .x import y
        return [f"{package}.{node.module.split('.')[0]}"]
    return [f"{package}.{alias.name}" for alias in node.names]  # from . import x


def _top(name: str, package: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == package else parts[0]
