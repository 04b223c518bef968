import argparse

import pytest

from minigrad_apps.cli import train as cli_train
from minigrad_apps.tasks import TASKS, get_task


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
    assert "adding, seq2seq" in err and not out.exists()
