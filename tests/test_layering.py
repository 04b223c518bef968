"""Dependencies run one way: minigrad (engine -> nn -> optim -> train, graph) -> models ->
minigrad_apps. import-linter checks the contracts in pyproject.toml; `import minigrad`
stays light."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("minigrad", "models", "minigrad_apps")


def lint_imports(root):
    """Run import-linter's `lint-imports` on the tree at `root`; (exit status, output)."""
    command = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    if not os.path.exists(command):
        pytest.fail(f"import-linter is not installed beside {sys.executable} (it is in the "
                    f"test extra: pip install -e '.[test]')")
    env = dict(os.environ, PYTHONPATH=root)
    result = subprocess.run([command, "--no-cache"], cwd=root, env=env, capture_output=True,
                            text=True, timeout=120)
    return result.returncode, result.stdout + result.stderr


def test_the_layering_contracts_hold():
    status, output = lint_imports(ROOT)
    assert status == 0, output
    assert "0 broken" in output


@pytest.mark.parametrize("where, statement", [
    ("minigrad/nn/upward.py", "import models\n"),
    ("minigrad/graph/upward.py", "from models.cells import LSTMCell\n"),
    ("minigrad/tensor_upward.py", "from minigrad import nn\n"),
    ("models/upward.py", "import minigrad_apps.demos\n"),
])
def test_an_upward_import_breaks_the_contracts(tmp_path, where, statement):
    for package in PACKAGES:
        shutil.copytree(os.path.join(ROOT, package), tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(ROOT, "pyproject.toml"), tmp_path)
    (tmp_path / where).write_text(statement)
    if where == "minigrad/tensor_upward.py":   # an engine module must be listed to be checked
        text = (tmp_path / "pyproject.toml").read_text()
        (tmp_path / "pyproject.toml").write_text(text.replace(" : tensor\"", " : tensor : tensor_upward\""))
    status, output = lint_imports(str(tmp_path))
    assert status != 0, output
    assert "BROKEN" in output


def test_import_minigrad_loads_no_drawing_libraries_models_or_applications():
    code = ("import sys, minigrad\n"
            "heavy = ('networkx', 'graphviz', 'matplotlib', 'models', 'minigrad_apps')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_lazy_entry_points_load_on_first_use():
    code = ("import sys, minigrad as mg\n"
            "x = mg.tensor([1.0, 2.0], requires_grad=True)\n"
            "graph = mg.trace((x * x).sum())\n"
            "print(len(graph), 'networkx' in sys.modules, callable(mg.render), "
            "hasattr(mg.bptt, 'per_step_grads'), callable(mg.explore))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "False", "True", "True", "True"]
