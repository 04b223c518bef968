"""The `minigrad` command line, run as `python -m minigrad` in a subprocess."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, path=None):
    env = dict(os.environ, PYTHONPATH=ROOT)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "minigrad", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def clusters(svg_path):
    root = ET.parse(svg_path).getroot()
    return [g.find("{http://www.w3.org/2000/svg}title").text
            for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "cluster"]


def test_render_writes_an_svg_with_a_cluster_per_step_and_direction(tmp_path):
    out = tmp_path / "lstm.svg"
    result = run("render", "bilstm", "--steps", "3", "--detail", "cells",
                 "--highlight", "weight_hh_l0", "--out", str(out))
    assert result.returncode == 0, result.stderr
    names = clusters(out)
    assert {f"cluster_t{t}_layer0_{d}" for t in range(3) for d in ("forward", "reverse")} \
        <= set(names)
    assert 'class="edge highlight' in out.read_text()


def test_bad_arguments_exit_2_with_a_message(tmp_path):
    for args, message in [
            (("render", "lstm", "--steps", "0", "--out", "x.svg"), "at least 1"),
            (("render", "transformer", "--steps", "3", "--out", "x.svg"), "invalid choice"),
            (("render", "lstm", "--steps", "3"), "--out"),
            (("render", "lstm", "--steps", "3", "--out", "x.txt"), ".svg"),
            (("render", "lstm", "--steps", "3", "--highlight", "nope", "--out", "x.svg"),
             "weight_hh_l0"),
            (("render", "jordan", "--bidirectional", "--steps", "3", "--out", "x.svg"),
             "bidirectional"),
            ((), "COMMAND")]:
        result = run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)


def test_missing_dot_names_the_debian_package(tmp_path):
    python_dir = os.path.dirname(sys.executable)
    result = run("render", "rnn", "--steps", "2", "--out", str(tmp_path / "x.svg"),
                 path=python_dir if not os.path.exists(os.path.join(python_dir, "dot"))
                 else "/nonexistent")
    assert result.returncode != 0
    assert "apt-get install graphviz" in result.stderr
    assert not (tmp_path / "x.svg").exists()


def test_bptt_chart(tmp_path):
    out = tmp_path / "bptt.svg"
    result = run("bptt", "all", "--steps", "12", "--hidden", "4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert all(f'id="series-{k}"' in text for k in range(3))


def test_unwritable_out_is_an_error_message_not_a_traceback(tmp_path):
    missing = tmp_path / "no_such_dir"
    for args in [("render", "rnn", "--steps", "2", "--out", str(missing / "x.svg")),
                 ("bptt", "rnn", "--steps", "3", "--hidden", "2",
                  "--out", str(missing / "x.svg"))]:
        result = run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        assert "cannot write" in result.stderr and "no_such_dir" in result.stderr


def test_a_dot_failure_is_one_clear_message_and_exit_status_4(tmp_path, capsys):
    """`write` (the CLI's last step) turns a RenderError into a message, not a traceback,
    and dot's own stderr stays out of it."""
    import minigrad as mg
    from minigrad_apps.demos import build
    from minigrad_apps.cli.render import write
    holder, loss = build("rnn", 2)
    dot = mg.render(loss, detail="cells", modules=holder, title="rnn | 2 steps")
    dot.body.append("\t-> ;\n")   # a syntax error: dot exits with status 1
    out = tmp_path / "x.svg"
    assert write(dot, str(out)) == 4
    err = capsys.readouterr().err
    assert err.startswith("minigrad render: Graphviz's dot failed to lay out 'rnn | 2 steps'")
    assert "syntax error" in err and "--detail" in err and len(err.splitlines()) == 2
    assert not out.exists()


def test_highlight_takes_any_tail_of_a_parameter_name_that_is_unique(tmp_path):
    import pytest

    import minigrad as mg
    from minigrad_apps.cli.render import full_param_name
    result = run("render", "jordan", "--steps", "3", "--highlight", "weight_yh",
                 "--out", str(tmp_path / "j.svg"))
    assert result.returncode == 0, result.stderr
    holder = mg.nn.Sequential(mg.nn.Linear(2, 3), mg.nn.Linear(3, 1))
    assert full_param_name(holder, "1.weight") == "1.weight"
    with pytest.raises(ValueError, match=r"'weight' names 2 parameters \(0.weight, 1.weight\)"):
        full_param_name(holder, "weight")
