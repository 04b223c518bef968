"""Keep the memory a freed graph gave back, for the next iteration (glibc only).

A training loop builds a graph, frees it in backward, and builds the same graph
again. glibc's malloc returns the freed top of its heap to the OS once it passes
a threshold, and serves arrays above another threshold with fresh mmaps; either
way the next iteration takes a page fault (and the kernel zeroes a page) for every
4 KB it gets back. On the LSTM benchmark that was 40% of a training step.

On import, minigrad raises both thresholds with mallopt, so that arrays up to
32 MB come from the heap and up to 256 MB of freed heap is kept for reuse. The
process then holds on to its peak heap size (up to that bound) instead of
returning it between iterations.

Nothing is changed when `MINIGRAD_KEEP_FREED_MEMORY=0`, when the user set any of
glibc's own MALLOC_*_ variables, or on a C library without mallopt.
"""
import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
KEEP_UP_TO = 256 << 20        # freed bytes at the top of the heap kept for reuse
HEAP_ARRAYS_UP_TO = 32 << 20  # glibc's largest mmap threshold on 64-bit systems
GLIBC_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_",
                   "MALLOC_MMAP_MAX_")

settings = {}  # what keep_freed_memory applied: {mallopt parameter name: value}


def keep_freed_memory(environ=os.environ):
    """Raise glibc's trim and mmap thresholds unless told not to; returns `settings`."""
    if environ.get("MINIGRAD_KEEP_FREED_MEMORY", "1") == "0":
        return settings
    if any(name in environ for name in GLIBC_VARIABLES) or not sys.platform.startswith("linux"):
        return settings
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return settings  # not glibc (e.g. musl has no mallopt)
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    for name, parameter, value in (("M_MMAP_THRESHOLD", M_MMAP_THRESHOLD, HEAP_ARRAYS_UP_TO),
                                   ("M_TRIM_THRESHOLD", M_TRIM_THRESHOLD, KEEP_UP_TO)):
        if mallopt(parameter, value) == 1:
            settings[name] = value
    return settings
