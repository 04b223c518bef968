"""`minigrad --version` and `python -m minigrad --version`: the installed version, else
pyproject.toml's, and exit status 0. Each run in a fresh process."""
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pyproject_version():
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    project = text.split("\n[project]\n", 1)[1].split("\n[", 1)[0]
    return re.search(r'^version = "(.+)"$', project, re.M).group(1)


def run(argv, extra_path=(), cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*extra_path, ROOT]))
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def installed_version():
    """The version importlib.metadata sees in a fresh process (None: not installed)."""
    result = run([sys.executable, "-c", "import importlib.metadata as m\n"
                  "try: print(m.version('minigrad'))\n"
                  "except m.PackageNotFoundError: print('')"])
    return result.stdout.strip() or None


def test_python_m_minigrad_version_prints_the_version_and_exits_0():
    result = run([sys.executable, "-m", "minigrad", "--version"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"minigrad {installed_version() or pyproject_version()}\n"
    assert result.stderr == ""


def test_the_console_script_entry_point_prints_the_version():
    # what pip's generated `minigrad` script runs: [project.scripts] minigrad = "minigrad_apps.cli:main"
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        assert 'minigrad = "minigrad_apps.cli:main"' in f.read()
    script = ("import sys\nfrom minigrad_apps.cli import main\n"
              "sys.argv = ['minigrad', '--version']\nsys.exit(main())")
    result = run([sys.executable, "-c", script])
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"minigrad {installed_version() or pyproject_version()}\n"


def test_the_installed_metadata_comes_before_pyproject(tmp_path):
    info = tmp_path / "minigrad-9.8.7.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: minigrad\nVersion: 9.8.7\n")
    # run from tmp_path: `python -m` puts the working directory first on sys.path, and the
    # repository may hold the minigrad.egg-info of an editable install
    result = run([sys.executable, "-m", "minigrad", "--version"], extra_path=[str(tmp_path)],
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "minigrad 9.8.7\n"


def test_pyproject_is_read_when_minigrad_is_not_installed(monkeypatch):
    import importlib.metadata

    from minigrad_apps import cli

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert cli.version() == pyproject_version()


def test_the_minigrad_command():
    # pip puts the console script beside the interpreter (.venv/bin/minigrad)
    beside = os.path.join(os.path.dirname(sys.executable), "minigrad")
    command = beside if os.path.exists(beside) else shutil.which("minigrad")
    if command is None:
        pytest.skip("the minigrad command is not installed (pip install -e . makes it)")
    result = run([command, "--version"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"minigrad {installed_version() or pyproject_version()}\n"
