"""minigrad/heap.py: a graph's freed memory is kept for the next one (glibc)."""
import os
import subprocess
import sys

import pytest

from minigrad import heap

# Build 25 MB of 64 KB arrays, free them, build them again: count the page faults
# of the second build. Without the kept memory glibc gives the freed heap back to
# the OS and each 4 KB page faults in again.
SECOND_BUILD_FAULTS = """
import resource
import numpy as np
import minigrad

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def build():
    return [np.ones(16384, np.float32) for _ in range(400)]

arrays = build(); del arrays
before = faults(); arrays = build(); del arrays
print(faults() - before)
"""


def second_build_faults(**environ):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.update(environ)
    out = subprocess.run([sys.executable, "-c", SECOND_BUILD_FAULTS], env=env, check=True,
                         capture_output=True, text=True)
    return int(out.stdout)


def huge_pages_always():
    """With transparent huge pages always on, a fault maps 2 MB, not 4 KB."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return "[always]" in f.read()
    except OSError:
        return False


@pytest.mark.skipif(not heap.settings, reason="malloc is not glibc's here")
def test_memory_freed_by_one_build_serves_the_next_without_page_faults():
    kept = second_build_faults()
    given_back = second_build_faults(MINIGRAD_KEEP_FREED_MEMORY="0")
    assert kept < 100
    # the same program with the thresholds left alone: 25 MB come back page by page
    assert given_back > (kept if huge_pages_always() else 3000)


def test_opting_out_or_glibc_variables_leave_malloc_alone():
    assert heap.keep_freed_memory({"MINIGRAD_KEEP_FREED_MEMORY": "0"}) is heap.settings
    saved = dict(heap.settings)
    heap.settings.clear()
    try:
        assert heap.keep_freed_memory({"MALLOC_TOP_PAD_": "0"}) == {}
        assert heap.keep_freed_memory({"MINIGRAD_KEEP_FREED_MEMORY": "0"}) == {}
    finally:
        heap.settings.update(saved)
