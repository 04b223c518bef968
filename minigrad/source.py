"""Where in the user's code a node was created: the first frame outside minigrad."""
import os
import sys

_PACKAGE_DIRS = tuple(
    os.path.dirname(os.path.abspath(p)) + os.sep
    for p in (__file__, os.path.join(os.path.dirname(__file__), "..", "models", "x"))
)
_is_internal = {}  # code object -> bool, so each frame costs one dict lookup


def add_internal_dir(path):
    """Treat frames from files under `path` as internal (not the user's code)."""
    global _PACKAGE_DIRS
    _PACKAGE_DIRS = _PACKAGE_DIRS + (os.path.abspath(path) + os.sep,)
    _is_internal.clear()


def user_location(skip=1):
    """Return (filename, lineno) of the innermost frame outside minigrad and models."""
    frame = sys._getframe(skip)
    cache = _is_internal
    while frame is not None:
        code = frame.f_code
        internal = cache.get(code)
        if internal is None:
            internal = cache[code] = code.co_filename.startswith(_PACKAGE_DIRS)
        if not internal:
            return (code.co_filename, frame.f_lineno)
        frame = frame.f_back
    return None


def format_location(location):
    if location is None:
        return "<unknown>"
    return f"{location[0]}:{location[1]}"
