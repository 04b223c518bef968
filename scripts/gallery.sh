#!/usr/bin/env bash
# The main job: set up, then render the gallery of unrolled graphs, gradient paths
# and vanishing-gradient charts into visuals/, and take the explorer page's two
# screenshots in headless chromium (the browser test that checks what they show).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m visuals.build_gallery "$@"
MINIGRAD_SCREENSHOTS="$PWD/visuals" .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/graph/test_explorer_browser.py -k screenshots -rs
