"""The house's rules, checked on every run: the import contracts (``.importlinter``), and the shape that lets a
newcomer read it (layers as folders, short pages, short functions, one typed data spec)."""

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support.served import ROOT

LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
PROJECT = [ROOT / "app.py", *(p for folder in ("imbalance_core", "ui", "pages", "support", "bench", "tests")
                              for p in (ROOT / folder).rglob("*.py"))]
LAYERS = ("portable", "data", "training", "runs", "outputs", "compute", "lessons")


def test_the_import_contracts_hold():
    done = subprocess.run([LINT_IMPORTS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert re.search(r"Contracts: \d+ kept, 0 broken", done.stdout)


def _package(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


def test_the_import_time_contract_follows_what_importing_a_module_loads(tmp_path):
    """TensorFlow imported in a function, or for type checkers only, is allowed; at module scope, directly or
    through another module, in a class body or a module-level ``try``, it breaks the contract with its chain."""
    _package(tmp_path, {
        "web/__init__.py": "",
        "web/page.py": "import web.jobs\n",
        "web/jobs.py": """
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                import tensorflow

            def run():
                import tensorflow
                return tensorflow
        """,
        "web/bad.py": "import json\nimport web.helper\n",
        "web/helper.py": "try:\n    import keras\nexcept ImportError:\n    keras = None\n",
        "web/model.py": "class Model:\n    import tensorflow as tf\n",
        "script.py": "import web.page\nimport web.bad\n",
        ".importlinter": """
            [importlinter]
            root_package = web
            include_external_packages = True
            contract_types =
                import_time_forbidden: support.import_time.ImportTimeForbiddenContract

            [importlinter:contract:clean]
            name = clean
            type = import_time_forbidden
            source_modules =
                web.page
            forbidden_modules =
                tensorflow
                keras

            [importlinter:contract:broken]
            name = broken
            type = import_time_forbidden
            source_modules =
                web.bad
                web.model
            source_scripts =
                script.py
            forbidden_modules =
                tensorflow
                keras
        """,
    })
    done = subprocess.run([LINT_IMPORTS], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "clean KEPT" in done.stdout and "broken BROKEN" in done.stdout
    report = done.stdout[done.stdout.index("Broken contracts"):]
    assert "web.bad -> web.helper -> keras" in report
    assert "web.model -> tensorflow" in report
    assert "script.py:2 -> web.bad -> web.helper -> keras" in report
    assert "web.page" not in report and "web.jobs" not in report  # a function's import runs on a worker, later


def test_the_core_is_a_few_modules_over_its_layers_each_saying_what_it_may_use():
    top = sorted(p.name for p in (ROOT / "imbalance_core").glob("*.py"))
    assert len(top) <= 8, top
    for layer in LAYERS:
        package = ROOT / "imbalance_core" / layer / "__init__.py"
        doc = ast.get_docstring(ast.parse(package.read_text()))
        assert doc and len(doc) > 120, f"{layer}/__init__.py says what the layer is and what it may use"
    assert sorted(p.name for p in (ROOT / "imbalance_core").iterdir() if p.is_dir() and p.name != "__pycache__") \
        == sorted(LAYERS)


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def test_no_function_is_longer_than_80_lines():
    long = [f"{path.relative_to(ROOT)}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path in PROJECT for node in _functions(path) if node.end_lineno - node.lineno + 1 > 80]
    assert long == []


def test_page_scripts_read_in_a_few_screens():
    lines = {path.name: len(path.read_text().splitlines()) for path in (ROOT / "pages").glob("*.py")}
    assert lines["lab.py"] <= 120, lines
    assert max(lines.values()) <= 150, lines


def test_a_data_spec_is_typed_never_a_dict_with_a_source_key():
    found = [f"{path.relative_to(ROOT)}:{n}" for path in PROJECT if path.name != "test_house.py"
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"""\[["']source["']\]|\.get\(["']source["']""", line)]
    assert found == []


@pytest.mark.parametrize("folder", ["bench", "support"])
def test_benchmarks_and_the_shared_helpers_import_nothing_from_the_tests(folder):
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("tests"), path
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("tests") for alias in node.names), path
