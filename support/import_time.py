"""An import-linter contract type: some modules never load others *when they are imported*.

Import-linter's own contracts see every import, those inside functions included (so a layer that reaches
up from inside a function is caught). The rule "the web server never imports TensorFlow" is about what
importing a module does: the web side imports the job layer, whose jobs import the training kernel inside
the functions that run on a worker, never in the web server. This contract follows only the imports
that run when a module is imported: those at module scope, in class bodies and module-level ``if``/``try``
blocks; not those inside functions, nor under ``if TYPE_CHECKING:``.

::

    [importlinter]
    contract_types = import_time_forbidden: support.import_time.ImportTimeForbiddenContract

    [importlinter:contract:web]
    type = import_time_forbidden
    source_modules = ui
    source_scripts = app.py          # scripts that are no module of a package (optional)
    forbidden_modules = tensorflow
"""

from __future__ import annotations

import ast
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

__all__ = ["ImportTimeForbiddenContract", "import_time_lines"]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk_import_time(statements: list[ast.stmt]):
    """The import statements among ``statements`` that run when the module runs (not in functions or lambdas,
    not in ``if TYPE_CHECKING:``)."""
    for node in statements:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _walk_import_time(node.body)
            yield from _walk_import_time(node.orelse)
        elif isinstance(node, ast.ClassDef):
            yield from _walk_import_time(node.body)
        else:  # try / with / for / while / match: their blocks run at import time
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                for part in getattr(node, name, []) or []:
                    yield from _walk_import_time(part.body if isinstance(part, (ast.ExceptHandler, ast.match_case))
                                                 else [part])


@lru_cache(maxsize=None)
def import_time_lines(path: Path) -> frozenset[int]:
    """Line numbers of the import statements in ``path`` that run when it is imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return frozenset(node.lineno for node in _walk_import_time(tree.body))


@lru_cache(maxsize=None)
def _package_path(root: str) -> Path | None:
    spec = find_spec(root)  # a top-level name: found without importing it
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(spec.origin) if spec.origin else None


def _module_file(module: str) -> Path | None:
    root, *parts = module.split(".")
    base = _package_path(root)
    if base is None or base.suffix == ".py":
        return base if not parts else None
    for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def _script_imports(path: Path) -> list[tuple[str, int]]:
    """The absolute modules a script imports when it runs, with their lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in _walk_import_time(tree.body):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif node.level == 0 and node.module:
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names] + [(node.module, node.lineno)]
    return found


class ImportTimeForbiddenContract(Contract):
    """``source_modules`` (and their descendants) and ``source_scripts`` never load ``forbidden_modules`` when they
    are imported, directly or through the modules they import at import time."""

    type_name = "import_time_forbidden"
    source_modules = fields.ListField(subfield=fields.ModuleField())
    source_scripts = fields.ListField(subfield=fields.StringField(), required=False)
    forbidden_modules = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        at_import = self._import_time_graph(graph)
        forbidden = [m.name for m in self.forbidden_modules]
        starts: list[tuple[str, tuple[str, ...]]] = []  # (module, how the chain began: a script's line)
        for source in self.source_modules:
            starts += [(m, ()) for m in sorted({source.name} | graph.find_descendants(source.name))]
        for script in self.source_scripts or []:
            for module, line in _script_imports(Path(script)):
                starts.append((module, (f"{script}:{line}",)))
        chains = []
        for module, head in starts:
            for target in forbidden:
                if module == target or module.startswith(target + "."):
                    chains.append([*head, module])
                elif module in at_import.modules and target in at_import.modules:
                    chain = at_import.find_shortest_chain(importer=module, imported=target)
                    if chain:
                        chains.append([*head, *chain])
        unique = sorted({tuple(c) for c in chains}, key=lambda c: (len(c), c))
        return ContractCheck(kept=not unique, metadata={"chains": [list(c) for c in unique]})

    @staticmethod
    def _import_time_graph(graph: ImportGraph) -> ImportGraph:
        """``graph``'s modules with only the imports that run at import time."""
        at_import = ImportGraph()
        for module in graph.modules:
            at_import.add_module(module)
        for importer in sorted(graph.modules):
            path = _module_file(importer)
            if path is None:  # an external package: grimp does not look inside it
                continue
            lines = import_time_lines(path)
            for imported in graph.find_modules_directly_imported_by(importer):
                details = graph.get_import_details(importer=importer, imported=imported)
                if any(d["line_number"] in lines for d in details):
                    at_import.add_import(importer=importer, imported=imported)
        return at_import

    def render_broken_contract(self, check: ContractCheck) -> None:
        for chain in check.metadata["chains"]:
            output.print_error(" -> ".join(chain), bold=False)
            output.new_line()
