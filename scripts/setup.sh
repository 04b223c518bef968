#!/usr/bin/env bash
# Set up minigrad on a fresh machine: a virtual environment in .venv with the
# package and its test extras, Graphviz's `dot` binary and (for the browser tests)
# Debian's chromium. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

say() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ ! -e /tmp/.minigrad-apt-updated ]; then
        as_root apt-get update -qq >/dev/null && touch /tmp/.minigrad-apt-updated || return 1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    say "no $PYTHON found: install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)"
    exit 1
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    say "minigrad needs Python >= 3.10; $PYTHON is $("$PYTHON" --version 2>&1)"; exit 1; }

# Graphviz's dot renders every picture.
if ! command -v dot >/dev/null 2>&1; then
    say "Graphviz's dot is missing; installing the Debian package 'graphviz'"
    apt_install graphviz || {
        say "could not install Graphviz: run 'sudo apt-get install graphviz' (Debian/Ubuntu),"
        say "'brew install graphviz' (macOS) or see https://graphviz.org/download/, then rerun."
        exit 1; }
fi

# Debian's chromium runs the explorer page's browser tests (tests/graph/test_explorer_browser.py,
# driven by the Playwright package of the test extras, which downloads no browser). Without
# it those tests are skipped and say why.
if ! command -v chromium >/dev/null 2>&1; then
    say "chromium is missing; installing the Debian package 'chromium' (for the browser tests)"
    apt_install chromium || {
        say "could not install chromium: the explorer's browser tests will be skipped; to run"
        say "them, 'sudo apt-get install chromium' (Debian/Ubuntu), then rerun."; }
fi

if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtual environment $VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        say "python3 -m venv failed; installing Debian's python3-venv"
        apt_install python3-venv || {
            say "could not create a virtual environment: run 'sudo apt-get install python3-venv', then rerun."
            exit 1; }
        "$PYTHON" -m venv "$VENV"
    fi
fi

# Reinstall only when pyproject.toml changed since the last install.
stamp="$VENV/.minigrad-installed"
want=$(cksum < pyproject.toml)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing minigrad with its test extras into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    log="$VENV/install.log"
    if ! "$VENV/bin/python" -m pip install -e ".[test]" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        say "installing failed; the whole log is in $log"
        exit 1
    fi
    echo "$want" > "$stamp"
fi
say "ready: $("$VENV/bin/python" --version), $(dot -V 2>&1), $(chromium --version 2>/dev/null || echo 'no chromium')"
