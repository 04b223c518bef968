"""The tutorial notebooks (notebooks/*.ipynb) run top to bottom in a real Jupyter kernel,
show the figures they promise inline, and raise no error.

Each notebook is executed as a student runs it ("Run all"): nbclient starts an ipykernel
on this interpreter, in the notebooks folder, and runs every cell with a time limit. The
notebooks' own `assert` cells check their numbers (the hand-computed BPTT terms against
`enumerate_paths`, the chunk's terms against full BPTT, ...): a failing one is an error
output and fails the test here. After the last cell, the same kernel runs the notebook's
function of tests/notebook_checks.py, which recomputes its key numbers independently
(finite differences, numpy forward and backward passes) from the notebook's variables.
"""
import base64
import json
import os
import pathlib
import runpy
import sys
import xml.etree.ElementTree as ET

import pytest

try:
    import nbformat
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient
except ImportError as missing:  # the runner is in the test extra
    raise ImportError(f"{missing}: the notebooks run with nbclient, nbformat and ipykernel, "
                      f"from minigrad's test extra; `bash scripts/setup.sh` installs them") \
        from None

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHECKS = pathlib.Path(__file__).resolve().with_name("notebook_checks.py")
CELL_TIMEOUT = 120   # seconds; each notebook runs in well under 30 s on the 2-core machine

# What each notebook draws inline: graphviz pictures (image/svg+xml) and charts (image/png).
FIGURES = {
    "01_bptt_by_hand.ipynb": 3,          # forward with values, paths of w_i, paths of w_h
    "02_vanishing_exploding.ipynb": 5,   # vanishing, exploding, loss and norm with/without
                                         # clipping, per-step terms of the exploding W_hh
    "03_lstm_gru_gates.ipynb": 4,        # one LSTM step, one GRU step, two gate heatmaps
    "04_truncated_bptt.ipynb": 3,        # chunk terms vs full BPTT, chunk picture, full picture
    "05_bidirectional.ipynb": 3,         # the picture, per-direction norms, reverse paths
    "06_attention.ipynb": 2,             # reverse and sort attention heatmaps
}
FIGURE_TYPES = ("image/png", "image/svg+xml")
SVG = "{http://www.w3.org/2000/svg}"


def notebook_paths():
    return sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory):
    """A kernel spec of our own, running this interpreter, so that no Jupyter kernel
    installed elsewhere on the machine (a user's "python3") runs the notebooks instead."""
    directory = tmp_path_factory.mktemp("kernels")
    spec = directory / "minigrad-notebooks"
    spec.mkdir()
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "minigrad (tests)", "language": "python",
        "env": {"PYTHONPATH": path}}))
    return KernelSpecManager(kernel_dirs=[str(directory)], ensure_native_kernel=False)


def check_cell(path):
    """A last cell that runs the notebook's independent check on the kernel's globals."""
    return nbformat.v4.new_code_cell(
        f"import runpy\nrunpy.run_path({str(CHECKS)!r})['CHECKS'][{path.stem!r}](globals())")


def execute(path, kernel_specs):
    """The notebook's cells, executed, followed by its check cell (executed too)."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(check_cell(path))
    manager = KernelManager(kernel_name="minigrad-notebooks", kernel_spec_manager=kernel_specs)
    NotebookClient(notebook, km=manager, timeout=CELL_TIMEOUT,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return notebook


def outputs(notebook):
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            yield index, output


def test_every_notebook_is_listed_with_its_figures_its_check_and_in_the_readme():
    names = [path.name for path in notebook_paths()]
    assert names == sorted(FIGURES), "a notebook added or removed: update FIGURES"
    checks = runpy.run_path(str(CHECKS))["CHECKS"]
    assert sorted(checks) == [path.stem for path in notebook_paths()], "update CHECKS"
    readme = (NOTEBOOKS / "README.md").read_text()
    assert [name for name in names if f"({name})" not in readme] == []


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda path: path.stem)
def test_notebooks_are_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    stale = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
             and (cell.outputs or cell.execution_count is not None)]
    assert stale == [], f"{path.name}: cells {stale} keep outputs; clear them before committing"


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_shows_its_figures_and_its_numbers_check_out(
        path, kernel_specs):
    notebook = execute(path, kernel_specs)    # a failing cell or check: CellExecutionError
    found = list(outputs(notebook))
    errors = [(index, output.get("ename")) for index, output in found
              if output.output_type == "error"]
    assert errors == []
    stderr = [(index, output.text[:300]) for index, output in found
              if output.output_type == "stream" and output.name == "stderr"]
    assert stderr == [], f"{path.name} wrote warnings or errors to stderr"
    figures = [(index, kind, output.data[kind]) for index, output in found
               if output.output_type in ("display_data", "execute_result")
               for kind in FIGURE_TYPES if kind in output.get("data", {})]
    assert len(figures) == FIGURES[path.name], [(index, kind) for index, kind, _ in figures]
    for index, kind, data in figures:
        if kind == "image/svg+xml":
            svg = ET.fromstring(data if isinstance(data, str) else "".join(data))
            classes = [g.get("class", "").split() for g in svg.iter(f"{SVG}g")]
            assert any("node" in names for names in classes), index     # a drawn graph
        else:
            assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n"), index
