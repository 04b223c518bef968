import argparse
import io
import re
import sys

import pytest
import threadpoolctl

from minigrad import threads
from minigrad_apps.cli import train as cli_train
from minigrad_apps.tasks import TASKS, adding, get_task


@pytest.fixture(autouse=True)
def restored_pool(monkeypatch):
    """`minigrad train` sizes the BLAS pool of its process: put this one's back."""
    monkeypatch.setattr(threads, "chosen", None)
    with threadpoolctl.threadpool_limits(limits=None, user_api="blas"):
        yield


class Terminal(io.StringIO):
    def isatty(self):
        return True


def as_terminal(monkeypatch):
    """sys.stderr made a terminal, from inside a test (after pytest's capture)."""
    fake = Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    return fake


QUICK_FIT = ["forecasting", "--quick", "--epochs", "2"]


def test_train_subcommand_prints_a_result_line(capsys):
    assert cli_train.main(["conv_vs_lstm", "--quick", "--epochs", "2", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "conv_vs_lstm" in out and "test accuracy" in out and "done in" in out


def test_register_adds_train_to_a_parser():
    parser = argparse.ArgumentParser(prog="minigrad")
    cli_train.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "adding", "--quick", "--out", "charts"])
    assert args.task == "adding" and args.quick and args.out == "charts" and args.seed == 0
    assert args.func is cli_train.run_command


def test_every_task_module_has_run():
    for name in TASKS:
        assert callable(get_task(name).run)
    with pytest.raises(ValueError, match="unknown task"):
        get_task("translation")


def test_bad_epochs_are_refused():
    with pytest.raises(SystemExit):
        cli_train.main(["sentiment", "--epochs", "0"])


def test_out_for_a_task_that_writes_no_charts_says_so(tmp_path, capsys):
    out = tmp_path / "charts"
    assert cli_train.main(["forecasting", "--quick", "--epochs", "1", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "forecasting writes no charts, so --out is not used" in err
    assert "adding, char_lm, seq2seq" in err and not out.exists()


def test_on_a_terminal_train_shows_one_bar_per_fit_counting_its_batches(monkeypatch):
    terminal = as_terminal(monkeypatch)
    assert cli_train.main(QUICK_FIT) == 0
    drawn = re.findall(r"(\d+)/(\d+) \[", terminal.getvalue())
    assert drawn and len({total for _, total in drawn}) == 1     # one total: the whole run
    assert drawn[-1][0] == drawn[-1][1] and "epoch 2/2" in terminal.getvalue()


def test_quiet_silences_the_bar_on_a_terminal(monkeypatch, capsys):
    terminal = as_terminal(monkeypatch)
    assert cli_train.main(QUICK_FIT + ["--quiet"]) == 0
    assert terminal.getvalue() == ""
    assert "forecasting: done in" in capsys.readouterr().out


def test_without_a_terminal_train_writes_no_bar_unless_asked(capsys):
    assert cli_train.main(QUICK_FIT) == 0
    assert capsys.readouterr().err == ""
    assert cli_train.main(QUICK_FIT + ["--progress"]) == 0
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "100%" in err


def test_progress_and_quiet_together_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli_train.main(QUICK_FIT + ["--progress", "--quiet"])
    assert exit_.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_the_adding_task_shows_a_bar_of_updates_per_run(monkeypatch):
    terminal = as_terminal(monkeypatch)
    adding.train_one("gru", 5, None, 7, seed=0, stop_at=None, progress=None,
                     desc="run 1/8: T=5 GRU")
    text = terminal.getvalue()
    assert "run 1/8: T=5 GRU" in text and "update" in text
    assert {total for _, total in re.findall(r"(\d+)/(\d+) \[", text)} == {"7"}
