#!/usr/bin/env bash
# The main job: set up, then render the gallery of unrolled graphs, gradient paths
# and vanishing-gradient charts into visuals/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m visuals.build_gallery "$@"
