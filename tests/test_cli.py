"""The `minigrad` command line, run as `python -m minigrad` in a subprocess."""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, path=None, timeout=120):
    env = dict(os.environ, PYTHONPATH=ROOT)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "minigrad", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=timeout)


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


# the sizes' bounds and the seed's range (minigrad_apps/cli/arguments.py), each given past
# its end: before, --steps 10000000 ran for minutes, --hidden 100000 died of a MemoryError
# traceback, --seed -1 of numpy's, and --epochs 0 exited 1
OUT_OF_BOUNDS = [
    (("render", "lstm", "--steps", "10000000"), "--steps: must be at most 1000, got 10000000"),
    (("render", "lstm", "--steps", "3", "--hidden", "100000"),
     "--hidden: must be at most 256, got 100000"),
    (("render", "lstm", "--steps", "3", "--layers", "5"), "--layers: must be at most 4, got 5"),
    (("render", "lstm", "--steps", "3", "--max-nodes", "100000"),
     "--max-nodes: must be at most 2000, got 100000"),
    (("bptt", "lstm", "--steps", "10000000"), "--steps: must be at most 2000, got 10000000"),
    (("bptt", "rnn", "--steps", "3", "--scale-whh", "1", "2", "3", "4", "5"),
     "--scale-whh: at most 4 values, got 5"),
    (("bptt", "lstm", "--steps", "3", "--hidden", "100000"),
     "--hidden: must be at most 256, got 100000"),
    (("bptt", "rnn", "--steps", "3", "--seed", str(2**64)),
     f"--seed: seed must be in [-2**63, 2**64), as torch.manual_seed's, got {2**64}"),
    (("bptt", "rnn", "--steps", "3", "--seed", "1.5"), "--seed: '1.5' is not an integer"),
    (("train", "sentiment", "--epochs", "0"), "--epochs: must be at least 1, got 0"),
    (("train", "sentiment", "--epochs", "1001"), "--epochs: must be at most 1000, got 1001"),
    (("train", "sentiment", "--seed", str(-2**63 - 1)),
     f"--seed: seed must be in [-2**63, 2**64), as torch.manual_seed's, got {-2**63 - 1}"),
]


@pytest.mark.parametrize("args, message", OUT_OF_BOUNDS,
                         ids=[" ".join(args) for args, _ in OUT_OF_BOUNDS])
def test_every_bad_argument_exits_2_with_one_error_line_and_no_traceback(tmp_path, args,
                                                                          message):
    out = ["--out", str(tmp_path / "x.svg")] if args[0] != "train" else []
    try:
        result = run(*args, *out, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"minigrad {' '.join(args)} was still running after 60 s")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == [f"minigrad {args[0]}: error: argument {message}"], result.stderr
    assert not (tmp_path / "x.svg").exists()


def test_a_negative_seed_is_taken_as_torch_takes_it(tmp_path):
    """mg.manual_seed(-1) is manual_seed(2**64 - 1), as torch.manual_seed reads it."""
    charts = []
    for seed in ("-1", str(2**64 - 1), "0"):
        out = tmp_path / f"seed{seed}.svg"
        result = run("bptt", "rnn", "--steps", "4", "--hidden", "3", "--seed", seed,
                     "--out", str(out))
        assert result.returncode == 0, result.stderr
        charts.append(series_points(out))
    assert charts[0] == charts[1] and charts[0] != charts[2]


def series_points(svg_path):
    """The drawn path of each series of a bptt chart."""
    root = ET.parse(svg_path).getroot()
    return [(g.get("id"), [p.get("d") for p in g.iter("{http://www.w3.org/2000/svg}path")])
            for g in root.iter("{http://www.w3.org/2000/svg}g")
            if (g.get("id") or "").startswith("series-")]


def test_the_bounds_are_in_the_help_and_in_the_readme():
    from minigrad.viz.explorer import MAX_STEPS as EXPLORE_MAX_STEPS
    from minigrad_apps.cli import arguments as A
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    for command, bounds in [
            ("render", [("--steps", A.RENDER_MAX_STEPS), ("--hidden", A.RENDER_MAX_HIDDEN),
                        ("--layers", A.RENDER_MAX_LAYERS)]),
            ("explore", [("--steps", EXPLORE_MAX_STEPS), ("--hidden", A.RENDER_MAX_HIDDEN),
                         ("--layers", A.RENDER_MAX_LAYERS)]),
            ("bptt", [("--steps", A.BPTT_MAX_STEPS), ("--hidden", A.BPTT_MAX_HIDDEN)]),
            ("train", [("--epochs", A.TRAIN_MAX_EPOCHS)])]:
        text = " ".join(run(command, "--help").stdout.split())  # argparse wraps lines
        for option, maximum in bounds:
            assert re.search(rf"{option} \S+ [^-]*\(1 to {maximum}[,;)]", text), (option, text)
            assert f"`{command}` | `{option}` | 1 to {maximum:,}" in readme, (command, option)
        if command not in ("render", "explore"):
            assert "--seed" in text and "an int in [-2**63, 2**64)" in text
    assert "10 to 2000" in " ".join(run("render", "--help").stdout.split())
    assert "`render` | `--max-nodes` | 10 to 2,000" in readme
    assert f"`bptt` | `--scale-whh` | at most {A.BPTT_MAX_SCALES} values" in readme
    assert f"(at most {A.BPTT_MAX_SCALES})" in " ".join(run("bptt", "--help").stdout.split())
    assert "`bptt`, `train` | `--seed` | `-2**63` to `2**64 - 1`" in readme
