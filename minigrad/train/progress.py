"""The progress bar of a long run: shown on a terminal, silent anywhere else.

Every `progress` argument in minigrad (`fit`, `evaluate`, the tasks) means:

    None    a bar when stderr is a terminal or in a Jupyter notebook (the default)
    True    a bar always (the command line's --progress)
    False   nothing (the command line's --quiet)

Bars go to stderr, so that what a run prints on stdout stays the same either way.
`RunBar` is the one bar of a whole `fit`: every epoch's batches (or truncated-BPTT
chunks) counted against the total of all epochs, so that its ETA is the run's.
"""
import sys

from tqdm import auto


def in_notebook():
    """True inside a Jupyter kernel, where tqdm draws a widget instead of text."""
    return getattr(auto, "notebook_tqdm", auto.std_tqdm) is not auto.std_tqdm


def is_terminal(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


def shows_progress(progress, where="fit"):
    """Whether a bar is drawn for `progress` (None, True or False, module docstring)."""
    if progress is None:
        return is_terminal(sys.stderr) or in_notebook()
    if isinstance(progress, bool):
        return progress
    raise TypeError(f"{where}: progress={progress!r}, expected True, False or None "
                    f"(None: a bar when stderr is a terminal)")


def progress_bar(total=None, desc=None, unit="batch", progress=None, where="fit", **options):
    """A tqdm bar on stderr, disabled unless `shows_progress(progress)`."""
    return auto.tqdm(total=total, desc=desc, unit=unit, file=sys.stderr,
                     disable=not shows_progress(progress, where), dynamic_ncols=True,
                     **options)


class RunBar:
    """One bar over all the epochs of a run, counting units (batches, or chunks).

    The total is the number of epochs times the units of an epoch: from the number
    of batches when the source has a length (times the chunks of the epoch's first
    batch with truncated BPTT), and from the epoch before once one has run; until
    then the bar counts without a total (and without an ETA).
    """

    def __init__(self, epochs, progress, unit="batch"):
        self.epochs = epochs
        self.bar = progress_bar(unit=unit, progress=progress)
        self.epoch_start = 0          # units done before the current epoch
        self.units_per_epoch = None   # counted over the last whole epoch

    def start_epoch(self, epoch):
        self.epoch = epoch
        self.epoch_start = self.bar.n
        self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}", refresh=False)
        if self.units_per_epoch is not None:
            self.expect(self.units_per_epoch)

    def expect(self, units_this_epoch):
        """Set the total from an epoch of `units_this_epoch` units (this and the rest)."""
        self.bar.total = self.epoch_start + units_this_epoch * (self.epochs - self.epoch)
        self.bar.refresh()

    def advance(self, units=1):
        self.bar.update(units)

    def show(self, values):
        """Show running values (loss, metrics) beside the bar."""
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in values.items()}, refresh=False)

    def end_epoch(self):
        self.units_per_epoch = self.bar.n - self.epoch_start

    def stopped_early(self):
        self.bar.set_description(f"epoch {self.epoch + 1}/{self.epochs}, stopped early",
                                 refresh=False)

    def close(self):
        self.bar.close()
