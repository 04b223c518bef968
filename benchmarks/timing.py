"""Timing helpers shared by the benchmark scripts.

Every benchmark measures minigrad and its baseline in the same process, with
the same helper, and reports the ratio minigrad / baseline.
"""
import time


def best_time(fn, repeat=5, number=1, warmup=1, clock=time.perf_counter):
    """Best (minimum) seconds per call of ``fn()`` (wall clock unless `clock` says otherwise).

    Pure-Python, single-threaded workloads may pass ``clock=time.process_time`` (CPU time
    of this process), which a busy machine disturbs far less than the wall clock.

    Args:
        fn: a callable taking no arguments.
        repeat: how many timed rounds to run; the fastest round is kept, since
            slower rounds only measure interference from the rest of the machine.
        number: calls per round; the round's time is divided by it.
        warmup: untimed calls made first (caches, allocator, lazy imports).

    Returns:
        seconds per call, as a float.
    """
    if repeat < 1 or number < 1:
        raise ValueError("repeat and number must be >= 1")
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            fn()
        best = min(best, (clock() - start) / number)
    return best


def format_seconds(seconds):
    """Seconds as a short string in the unit that suits it: '812 us', '3.41 ms', '1.20 s'."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def format_table(rows):
    """An aligned text table of ``(name, seconds, ratio)`` rows.

    ``ratio`` may be None (e.g. for the baseline row itself); it is then left blank.
    """
    header = ("workload", "time/iter", "ratio")
    cells = [header] + [
        (str(name), format_seconds(sec), "" if ratio is None else f"{ratio:.2f}x")
        for name, sec, ratio in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(3)]
    lines = []
    for k, (name, sec, ratio) in enumerate(cells):
        lines.append(f"{name:<{widths[0]}}  {sec:>{widths[1]}}  {ratio:>{widths[2]}}".rstrip())
        if k == 0:
            lines.append("-" * (sum(widths) + 4))
    return "\n".join(lines)


def print_table(rows):
    """Print :func:`format_table` of ``rows``."""
    print(format_table(rows))
