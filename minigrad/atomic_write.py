"""`atomic_write(path)`: write a file so that it appears complete or not at all.

The bytes go to a temporary file beside the file that is finally written, which then
replaces it with os.replace (atomic on POSIX). Three things a plain
`tempfile` + `os.replace` gets wrong are handled here:

- a symlink is written through: the file it points to is replaced (the chain of
  links resolved by os.path.realpath) and the link stays a link, as `open(path, "wb")`
  would leave it;
- an existing file keeps its permission bits (and, where the process may set them,
  its owner and group); a new file gets 0o666 less the umask, as `open` gives it;
- a save killed half-way (SIGKILL, power loss) leaves its temporary behind, named
  `.tmp-<file name>-<pid>-<8 hex digits>.npz`. The next save of the same file removes
  those whose process no longer runs. A temporary of a process that still runs (a save
  in progress, in this process or another) is left alone, and so is every temporary of
  another file. Liveness is asked of this machine's kernel (`os.kill(pid, 0)`): on a
  directory shared between machines, a remote save's temporary counts as stale only if
  its pid is free here too, so it may be removed; do not save one file from two
  machines at once.
"""
import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat

_PREFIX = ".tmp-"
_SUFFIX = ".npz"
_NAME_ROOM = 200  # bytes of the target's name kept in a temporary's name (NAME_MAX is 255)


@contextlib.contextmanager
def atomic_write(path):
    """Yield a binary file; on leaving the block without an error, it replaces `path`.

    On an error (or KeyboardInterrupt) the temporary is removed and `path` is left as
    it was. An OSError about the temporary (a missing or read-only directory) names
    `path` instead, the name the caller knows.

    A `path` that is a device or a pipe (/dev/null, a FIFO) is written straight into,
    as open() would: replacing it would put a regular file in its place. A directory
    is an IsADirectoryError.
    """
    path = os.fspath(path)
    target = os.path.realpath(path)
    existing = _stat_or_none(target)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        if stat.S_ISDIR(existing.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        with open(target, "wb") as file:
            yield file
        return
    remove_stale_temporaries(target)
    handle, temporary = _create_temporary(target, path)
    try:
        with os.fdopen(handle, "wb") as file:
            if existing is not None:
                _copy_owner_and_mode(temporary, existing)
            yield file
        try:
            os.replace(temporary, target)
        except OSError as exc:
            raise _naming(exc, path, target) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def temporary_pattern(target):
    """The regular expression the name of a temporary of `target` (a resolved path)
    fullmatches; group 1 is the pid of the process that made it."""
    return re.compile(re.escape(_temporary_prefix(target)) + r"(\d+)-[0-9a-f]{8}"
                      + re.escape(_SUFFIX))


def remove_stale_temporaries(target):
    """Remove the temporaries of `target` whose process has ended (see the module's
    docstring); errors (a read-only directory, a file removed meanwhile) are ignored."""
    directory = os.path.dirname(target)
    pattern = temporary_pattern(target)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match and not process_is_running(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(directory, name))


def process_is_running(pid):
    """False only when this machine's kernel says no process `pid` exists."""
    if os.name == "nt" or pid <= 0:  # Windows' os.kill(pid, 0) would send CTRL_C_EVENT
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: it runs, as another user
        return True
    return True


def _temporary_prefix(target):
    """How the names of `target`'s temporaries start (a name too long to leave room
    for the rest is replaced by its hash)."""
    name = os.path.basename(target)
    if len(os.fsencode(name)) > _NAME_ROOM:
        name = hashlib.sha256(os.fsencode(name)).hexdigest()
    return f"{_PREFIX}{name}-"


def _create_temporary(target, path):
    """(fd, name) of a new file beside `target`, made with mode 0o666 so that the
    kernel applies the umask (tempfile.mkstemp makes 0o600 files)."""
    prefix = os.path.join(os.path.dirname(target), f"{_temporary_prefix(target)}{os.getpid()}-")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temporary = f"{prefix}{secrets.token_hex(4)}{_SUFFIX}"
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
        except OSError as exc:
            raise _naming(exc, path, target) from None


def _stat_or_none(target):
    try:
        return os.stat(target)
    except FileNotFoundError:
        return None


def _copy_owner_and_mode(temporary, existing):
    """Give the temporary the replaced file's owner, group and permission bits. The
    owner first: chown clears set-user-ID bits. An owner the process may not give
    (only root may) stays the process's own."""
    if hasattr(os, "chown") and (existing.st_uid, existing.st_gid) != (os.geteuid(),
                                                                       os.getegid()):
        with contextlib.suppress(OSError):
            os.chown(temporary, existing.st_uid, existing.st_gid)
    os.chmod(temporary, stat.S_IMODE(existing.st_mode))


def _naming(exc, path, target):
    """`exc` (an OSError) again, naming `path` (and the file it links to) rather than
    the temporary."""
    linked = target if os.path.abspath(path) != target else None
    return type(exc)(exc.errno, exc.strerror, path, None, linked)
