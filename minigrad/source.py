"""Where in the user's code a node was created: the first frame outside minigrad.

An op made inside a model (an LSTM step) sits about seven internal frames below
the user's line, and walking them for every op doubled the cost of recording it.
Instead, `Module.__call__` finds the user's line once, when the user's code calls
a module whose forward is minigrad's own (`site_for_module_call`), and ops created
inside it take that line from the thread's `user_site` (state.py). A module whose forward is the
user's own clears it again, so ops written in a user's forward get their own line.
"""
import os
import sys
import warnings

from .state import PER_THREAD

# minigrad's own directory; packages built on it (models) add theirs with add_internal_dir
_PACKAGE_DIRS = (os.path.dirname(os.path.abspath(__file__)) + os.sep,)
# id(code object) -> (the code object, kept so that its id stays unique;
#                     None for minigrad's own code, else {f_lasti: (filename, lineno)})
# Keyed by id because hashing a code object is slow; the line number is looked up
# once per call site, because frame.f_lineno scans the code's line table.
_code_sites = {}


def add_internal_dir(path):
    """Treat frames from files under `path` as internal (not the user's code)."""
    global _PACKAGE_DIRS
    _PACKAGE_DIRS = _PACKAGE_DIRS + (os.path.abspath(path) + os.sep,)
    _code_sites.clear()


def _sites_of(code):
    """The call-site table of `code` (None when the code is minigrad's own)."""
    entry = _code_sites.get(id(code))
    if entry is None:
        internal = code.co_filename.startswith(_PACKAGE_DIRS)
        entry = _code_sites[id(code)] = (code, None if internal else {})
    return entry[1]


def is_internal_code(code):
    """True when `code` (a code object) belongs to minigrad or a package added with
    `add_internal_dir` (models)."""
    return _sites_of(code) is None


def site_for_module_call(module):
    """The `user_site` (state.py) to use while `module.forward` runs.

    The caller's user line when the forward is minigrad's own (every op inside gets
    that line); None when the forward is the user's (its ops find their own lines).
    """
    forward = getattr(type(module).forward, "__code__", None)
    if forward is None or not is_internal_code(forward):
        return None
    site = PER_THREAD.state.user_site
    return site if site is not None else user_location(3)


def user_location(skip=1):
    """Return (filename, lineno) of the innermost frame outside minigrad and models (and any
    other directory added with `add_internal_dir`).

    Nodes made on one line of code share one tuple.
    """
    frame = sys._getframe(skip)
    code_sites = _code_sites
    while frame is not None:
        code = frame.f_code
        entry = code_sites.get(id(code))
        sites = entry[1] if entry is not None else _sites_of(code)
        if sites is not None:
            position = frame.f_lasti
            site = sites.get(position)
            if site is None:
                site = sites[position] = (code.co_filename, frame.f_lineno)
            return site
        frame = frame.f_back
    return None


def warn_at_user_line(message, category=UserWarning):
    """Warn, attributing the warning to the innermost frame outside minigrad and models
    (the user's call), as `user_location` finds it."""
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and is_internal_code(frame.f_code):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def format_location(location):
    if location is None:
        return "<unknown>"
    return f"{location[0]}:{location[1]}"
