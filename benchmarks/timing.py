"""Timing helpers shared by the benchmark scripts.

Every benchmark measures minigrad and its baseline in the same process, with
the same helper, and reports the ratio minigrad / baseline.
"""
import statistics
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


def interleaved_times(fns, rounds=15, number=5, warmup=1, pause=0.0, clock=time.perf_counter):
    """Seconds per call of every function, measured in interleaved rounds.

    Round r calls each function `number[name]` times in turn, in the given order in even
    rounds and in the reverse order in odd ones, so that a slow drift of the machine
    (other load, frequency, the allocator) falls on every function alike instead of on
    whichever was measured while it lasted.

    Args:
        fns: dict name -> callable taking no arguments (the order is the first round's).
        rounds: how many rounds.
        number: calls per round, an int or a dict name -> int.
        warmup: untimed calls of each function first.
        pause: seconds to sleep (untimed) before each function's calls, so that the
            worker threads another library left spinning have gone to sleep.

    Returns:
        dict name -> list of `rounds` seconds-per-call, one per round.
    """
    if rounds < 1:
        raise ValueError("rounds must be >= 1")
    counts = number if isinstance(number, dict) else dict.fromkeys(fns, number)
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    names = list(fns)
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            fn, n = fns[name], counts[name]
            if pause:
                time.sleep(pause)
            start = clock()
            for _ in range(n):
                fn()
            times[name].append((clock() - start) / n)
    return times


def spread_rows(times, baseline):
    """Per name: (name, median, min, max, ratio, ratio_min, ratio_max).

    ratio = median / the baseline's median; ratio_min and ratio_max are the extremes of
    the per-round ratios (the two measured in the same round); None for the baseline.
    """
    base = times[baseline]
    rows = []
    for name, ts in times.items():
        median = statistics.median(ts)
        if name == baseline:
            rows.append((name, median, min(ts), max(ts), None, None, None))
            continue
        per_round = [t / b for t, b in zip(ts, base)]
        rows.append((name, median, min(ts), max(ts), median / statistics.median(base),
                     min(per_round), max(per_round)))
    return rows


def format_spread_table(rows, baseline_label="ratio"):
    """An aligned text table of :func:`spread_rows`."""
    header = ("system", "median", "[min - max]", baseline_label, "(per-round min-max)")
    cells = [header]
    for name, median, lo, hi, ratio, r_lo, r_hi in rows:
        cells.append((name, format_seconds(median),
                      f"[{format_seconds(lo)} - {format_seconds(hi)}]",
                      "1.00x" if ratio is None else f"{ratio:.2f}x",
                      "" if ratio is None else f"({r_lo:.2f}-{r_hi:.2f})"))
    widths = [max(len(row[i]) for row in cells) for i in range(5)]
    lines = []
    for k, row in enumerate(cells):
        lines.append(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  "
                     f"{row[3]:>{widths[3]}}  {row[4]}".rstrip())
        if k == 0:
            lines.append("-" * (sum(widths) + 8))
    return "\n".join(lines)
